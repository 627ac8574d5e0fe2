"""`luisterpost check`: whether a municipality's installation can run, one finding per thing checked.

Each check is a plain function that returns findings; none writes anything but a test file it removes, and
no finding holds a secret's value."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

from .config import Config, load_config
from .errors import UserError

OK, WARNING, ERROR = "ok", "warning", "error"
# Below this much free space beside the database a harvest, an import or a compaction may fill the disk.
MIN_FREE_BYTES = 1 << 30
REACH_TIMEOUT_SECONDS = 5.0

SecretLookup = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Finding:
    level: str  # ok, warning or error
    what: str  # what was checked, e.g. "database" or "source mastodon:social.example"
    message: str

    def line(self) -> str:
        return f"{self.level:<7} {self.what}: {self.message}"


def exit_code(findings: list[Finding]) -> int:
    """0 when every finding is ok, 1 when the worst is a warning, 2 when one is an error."""
    levels = {f.level for f in findings}
    return 2 if ERROR in levels else 1 if WARNING in levels else 0


def run_checks(config_path: str, out_dir: Path, lookup: SecretLookup | None = None,
               timeout: float = REACH_TIMEOUT_SECONDS) -> Iterator[Finding]:
    """Every check in order: the config first (nothing else can be checked without it), then secrets, the
    pseudonym key, the database, disk space, the folders and each source's host. `lookup`: a secret not in
    the environment (a Prefect Secret block), or None to look in the environment only."""
    try:
        config = load_config(config_path)
    except UserError as exc:
        yield Finding(ERROR, "config", str(exc))
        return
    yield Finding(OK, "config", f"{config_path}: {len(config.sources)} source(s) with valid settings")
    yield from source_secrets(config, lookup)
    yield pseudonym_key(config)
    key = yield from database_key_finding(config, lookup)
    if key is not False:
        yield database(config.database_path, key)
    yield free_space(config.database_path)
    yield writable("data folder", config.database_path.parent)
    yield writable("out folder", out_dir)
    for settings in config.sources:
        url = getattr(settings, "base_url", None)
        if url and not url.endswith(".invalid"):
            yield reachable(settings.source_name, url, timeout)


def source_secrets(config: Config, lookup: SecretLookup | None) -> Iterator[Finding]:
    """Per source with a secret: whether it is set (environment variable or Secret block); never its value."""
    from .sources.secrets import env_name, read_secret

    for settings in config.sources:
        name = getattr(settings, "secret", None)
        if not name:
            continue
        what = f"secret of {settings.source_name}"
        if read_secret(name, lookup):
            yield Finding(OK, what, f"'{name}' is set")
        else:
            yield Finding(WARNING, what, f"'{name}' is not set: set the environment variable {env_name(name)} or a "
                                         f"Prefect Secret block '{name}'; without it the source skips what needs it")


def pseudonym_key(config: Config) -> Finding:
    """Whether the pseudonym key loads (from its variable or its key file), as every report loads it. A missing
    key file is made, as on the first run."""
    from .metrics.privacy import load_key

    try:
        load_key(config.privacy.key_env, config.pseudonym_key_file)
    except UserError as exc:
        return Finding(ERROR, "pseudonym key", str(exc))
    where = (f"environment variable {config.privacy.key_env}" if os.environ.get(config.privacy.key_env)
             else str(config.pseudonym_key_file))
    return Finding(OK, "pseudonym key", f"present and valid ({where})")


def database_key_finding(config: Config, lookup: SecretLookup | None) -> Generator[Finding, None, str | None | bool]:
    """Yield a finding when the database is to be encrypted; return its key, None (not encrypted) or False
    (asked for, but missing: the database cannot be opened)."""
    from .store.encryption import database_key

    try:
        key = database_key(config, lookup)
    except UserError as exc:
        yield Finding(ERROR, "database key", str(exc))
        return False
    if key is not None:
        yield Finding(OK, "database key", "set")
    return key


def database(path: Path, key: str | None) -> Finding:
    """Open the database read-only and read every table in full: a damaged block shows as an error."""
    import duckdb

    from .store.encryption import connect_encrypted, plain_open_error
    from .store.integrity import corrupt, damage

    if not path.exists():
        return Finding(WARNING, "database", f"{path}: not there yet (the first harvest or import creates it)")
    try:
        try:
            con = connect_encrypted(path, key, read_only=True) if key else duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            if corrupt(exc):
                raise
            raise plain_open_error(path, exc) from None
        try:
            size = con.execute("SELECT database_size FROM pragma_database_size() WHERE database_name = "
                               "current_database()").fetchone()
            tables = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = "
                                 "current_database()").fetchone()[0]
            found = damage(con)
        finally:
            con.close()
    except UserError as exc:
        return Finding(ERROR, "database", str(exc))
    except duckdb.Error as exc:
        if "Could not set lock" in str(exc):
            return Finding(WARNING, "database", f"{path}: being written now (a harvest or an import); check again "
                                                "when it has finished")
        if not corrupt(exc):
            raise
        found = str(exc).splitlines()[0]
    if found:
        return Finding(ERROR, "database", f"{path}: damaged ({found}): restore it from the last backup")
    return Finding(OK, "database", f"{path}: {size[0] if size else '?'}, {tables} tables read in full, every "
                                   "checksum matches")


def free_space(path: Path) -> Finding:
    """Free space on the disk the database is on: a warning below MIN_FREE_BYTES or twice the database's size
    (a compaction writes a whole copy beside it), an error below the database's size."""
    folder = _existing(path.parent)
    free = shutil.disk_usage(folder).free
    size = path.stat().st_size if path.exists() else 0
    words = f"{folder}: {free / 1e6:,.0f} MB free, the database is {size / 1e6:,.0f} MB"
    if free < size:
        return Finding(ERROR, "free disk space", f"{words}: too little to rewrite it; free space first")
    if free < max(MIN_FREE_BYTES, 2 * size):
        return Finding(WARNING, "free disk space", f"{words}: harvests and compaction may fill the disk")
    return Finding(OK, "free disk space", words)


def writable(what: str, folder: Path) -> Finding:
    """Whether a file can be made in `folder` (or, when it does not exist yet, in the folder it would be made
    in): a test file is written and removed."""
    target = _existing(folder)
    probe = target / f".luisterpost-check-{secrets.token_hex(4)}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        return Finding(ERROR, what, f"{target}: cannot write there ({exc.strerror or exc}): give the user running "
                                    "luisterpost write permission, or choose another folder")
    made = "" if target == folder else f" ({folder} is made there on first use)"
    return Finding(OK, what, f"{target}: writable{made}")


def reachable(source: str, url: str, timeout: float) -> Finding:
    """One cheap request to the source's host: any HTTP answer counts as reachable (an error status too: the
    host answers), a connection error or a timeout as unreachable."""
    import httpx

    try:
        response = httpx.head(url, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        return Finding(WARNING, f"source {source}", f"{_host(url)}: unreachable ({type(exc).__name__}); the harvest "
                                                    "of this source fails until it answers")
    return Finding(OK, f"source {source}", f"{_host(url)}: reachable (HTTP {response.status_code})")


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc or url


def _existing(folder: Path) -> Path:
    """`folder`, or its nearest parent that exists."""
    folder = folder.resolve()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder
