"""Keys and files: the pseudonym key is made atomically and owner-only, and refused when weak or damaged; the
database and its write-ahead log are owner-only; exports and reports get their chosen modes; the database
can be encrypted at rest, and every way that goes wrong is one clear message without the key in it."""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from luisterpost.store.db import migrations

from luisterpost.config import load_config
from luisterpost.errors import UserError
from luisterpost.export.write import write_export
from luisterpost.filemodes import REPORT, report_folder, set_mode
from luisterpost.importer import import_file
from luisterpost.metrics.privacy import Pseudonymiser, load_key
from luisterpost.store import encryption, open_db
from luisterpost.store.encryption import database_key, encrypt_database

ENV = "LUISTERPOST_TEST_PSEUDONYM_KEY"
# A key file as Luisterpost has always written it: 64 hex characters (32 random bytes).
STORED_KEY = "0123456789abcdef" * 4
DATABASE_KEY = "a database key with a quote ' in it, long enough"
SECRET_TEXT = "Zwanenvijver-Klaproosstraat-7731 lekt al weken"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    """The common default umask (022: new files readable by everyone), restored afterwards."""
    before = os.umask(0o022)
    yield
    os.umask(before)


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)


# The pseudonym key


def test_a_missing_key_file_is_created_owner_only_and_kept(tmp_path, no_env, loose_umask, monkeypatch):
    key_file = tmp_path / "new" / "lindeveen.pseudonym-key"
    modes_while_written = []
    real_fsync = os.fsync

    def fsync(fd):
        # The temporary file at the moment its key is flushed: nobody but the owner may read it, even then.
        found = os.fstat(fd).st_mode
        if stat.S_ISREG(found):  # not the folder, flushed after the file is in place
            modes_while_written.append(stat.S_IMODE(found))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    key = load_key(ENV, key_file)
    assert len(key) == 64 and bytes.fromhex(key.decode())
    assert mode(key_file) == 0o600
    assert modes_while_written and all(m & 0o077 == 0 for m in modes_while_written)
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["lindeveen.pseudonym-key"]  # no temporary left
    assert load_key(ENV, key_file) == key


def test_an_existing_key_gives_the_same_pseudonyms_as_before(tmp_path, no_env):
    key_file = tmp_path / "lindeveen.pseudonym-key"
    key_file.write_text(STORED_KEY + "\n", encoding="utf-8")
    key = load_key(ENV, key_file)
    assert key == STORED_KEY.encode()
    # The pseudonym earlier versions gave for this key file: HMAC-SHA256 keyed with the stored hex text.
    assert Pseudonymiser(key).pseudonym("mastodon", "anouk") == "inwoner-609ba4b6"
    expected = hmac.new(STORED_KEY.encode(), b"bluesky:bram", hashlib.sha256).hexdigest()[:8]
    assert Pseudonymiser(key).pseudonym("bluesky", "bram") == "inwoner-" + expected


@pytest.mark.parametrize("content, says", [
    (b"", "is empty"),
    (b"  \n", "is empty"),
    (b"0123456789abcdef\n", "is 16 bytes; at least 32 are needed"),
    (b"\x00" * 64, "not a pseudonym key"),  # what a crash while the disk was full can leave
    (b"\xff\xfe" + b"a" * 40, "not a pseudonym key"),
])
def test_a_weak_or_damaged_key_file_is_refused(tmp_path, no_env, content, says):
    key_file = tmp_path / "lindeveen.pseudonym-key"
    key_file.write_bytes(content)
    with pytest.raises(UserError) as refused:
        load_key(ENV, key_file)
    message = str(refused.value)
    assert message.startswith(f"{key_file}: ") and says in message
    assert "Restore the key from a backup" in message
    assert key_file.read_bytes() == content  # never replaced: the pseudonyms already shared came from it


def test_an_unreadable_key_file_is_refused(tmp_path, no_env, monkeypatch):
    key_file = tmp_path / "lindeveen.pseudonym-key"
    key_file.write_text(STORED_KEY, encoding="utf-8")
    key_file.chmod(0o000)
    if os.geteuid() == 0:
        # Root reads any file whatever its mode: the refusal the operating system gives others, given here.
        real_read = Path.read_bytes

        def read_bytes(path):
            if path == key_file:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return real_read(path)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with pytest.raises(UserError, match="cannot read the pseudonym key: permission denied") as refused:
        load_key(ENV, key_file)
    assert str(refused.value).startswith(str(key_file))


@pytest.mark.parametrize("failing", ["write", "fsync"])
def test_a_full_disk_leaves_no_key_file(tmp_path, no_env, monkeypatch, failing):
    key_file = tmp_path / "lindeveen.pseudonym-key"

    def no_space(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, failing, no_space)
    with pytest.raises(UserError) as refused:
        load_key(ENV, key_file)
    assert str(refused.value) == (f"{key_file}: cannot create the pseudonym key: No space left on device; nothing "
                                  "was written. Free disk space or make the folder writable, then run again.")
    assert list(tmp_path.iterdir()) == []  # neither the key file nor its temporary one
    monkeypatch.undo()
    assert len(load_key(ENV, key_file)) == 64  # with room again, the next run makes the key


def test_a_write_cut_off_by_the_system_leaves_no_key_file(tmp_path):
    # A real refusal from the kernel, no stand-in: files may grow to 10 bytes, so the key is half written.
    key_file = tmp_path / "lindeveen.pseudonym-key"
    script = ("import resource, signal, sys\n"
              "from pathlib import Path\n"
              "from luisterpost.errors import UserError\n"
              "from luisterpost.metrics.privacy import load_key\n"
              "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
              "resource.setrlimit(resource.RLIMIT_FSIZE, (10, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))\n"
              "try:\n"
              "    load_key('UNSET_TEST_KEY_VARIABLE', Path(sys.argv[1]))\n"
              "except UserError as exc:\n"
              "    print(exc)\n")
    result = subprocess.run([sys.executable, "-c", script, str(key_file)], capture_output=True, text=True,
                            env={k: v for k, v in os.environ.items() if k != "UNSET_TEST_KEY_VARIABLE"})
    assert result.stdout.strip() == (f"{key_file}: cannot create the pseudonym key: File too large; nothing was "
                                     "written. Free disk space or make the folder writable, then run again.")
    assert list(tmp_path.iterdir()) == []


def test_a_key_file_others_can_read_is_limited_to_its_owner(tmp_path, no_env):
    key_file = tmp_path / "lindeveen.pseudonym-key"
    key_file.write_text(STORED_KEY, encoding="utf-8")
    key_file.chmod(0o644)
    assert load_key(ENV, key_file) == STORED_KEY.encode()
    assert mode(key_file) == 0o600


def test_the_key_from_the_environment_must_be_long_enough(tmp_path, monkeypatch):
    key_file = tmp_path / "lindeveen.pseudonym-key"
    monkeypatch.setenv(ENV, "short-key")
    with pytest.raises(UserError, match=f"the environment variable {ENV} holds a pseudonym key of 9 bytes; at "
                                        "least 32"):
        load_key(ENV, key_file)
    monkeypatch.setenv(ENV, "x" * 32)
    assert load_key(ENV, key_file) == b"x" * 32  # used as it is, as before
    assert not key_file.exists()


# Database, export and report files


def _mention(folder: Path, text: str = SECRET_TEXT) -> Path:
    path = folder / "m.jsonl"
    path.write_text(json.dumps({"platform": "mastodon", "id": "1", "created_at": "2026-10-01T10:00:00Z",
                                "author_handle": "anouk", "text": text}), encoding="utf-8")
    return path


def test_a_new_database_and_its_log_are_owner_only(tmp_path, loose_umask):
    path = tmp_path / "data" / "lindeveen.duckdb"
    con = open_db(path)
    import_file(con, _mention(tmp_path))
    wal = path.with_name(path.name + ".wal")
    assert wal.exists()  # not yet checkpointed: the mention is in the log
    assert mode(path) == 0o600 and mode(wal) == 0o600
    assert mode(path.parent) == 0o700
    con.close()


def test_an_existing_database_others_can_read_is_limited_to_its_owner(tmp_path, loose_umask):
    path = tmp_path / "lindeveen.duckdb"
    plain = duckdb.connect(str(path))
    plain.execute("CREATE TABLE kept AS SELECT 42 AS answer")
    plain.close()
    path.chmod(0o664)
    con = open_db(path)
    assert mode(path) == 0o600
    assert con.execute("SELECT answer FROM kept").fetchall() == [(42,)]
    con.close()


def test_exports_are_owner_only_and_reports_readable_by_the_group(tmp_path, loose_umask):
    frame = pl.DataFrame({"text": ["een bericht"]})
    for format in ("csv", "jsonl"):
        assert mode(write_export(frame, tmp_path / f"x.{format}", format)) == 0o600
    os.umask(0o077)  # as after opening the database: the chosen modes hold whatever the umask
    folder = report_folder(tmp_path / "out" / "2026-10")
    assert mode(folder) == 0o750
    report = folder / "rapport.html"
    report.write_text("<p>rapport</p>", encoding="utf-8")
    assert mode(set_mode(report, REPORT)) == 0o640


# Encryption at rest


def _httpfs_loads() -> bool:
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    try:
        con.execute("LOAD httpfs")
        return True
    except duckdb.Error:
        return False
    finally:
        con.close()


HTTPFS = _httpfs_loads()


@pytest.fixture
def writable_encryption(monkeypatch):
    """Encrypted files writable in this test. Without httpfs, DuckDB writes them only with its built-in
    mbedtls when told to (`force_mbedtls_unsafe`): the same file format, but nonces from a weaker random
    generator, so only ever in tests."""
    if not HTTPFS:
        monkeypatch.setitem(encryption.CONNECT_SETTINGS, "force_mbedtls_unsafe", True)


def _encrypted(tmp_path: Path) -> Path:
    path = tmp_path / "lindeveen.duckdb"
    con = open_db(path, DATABASE_KEY)
    import_file(con, _mention(tmp_path))
    con.close()
    return path


@pytest.mark.skipif(HTTPFS, reason="httpfs is installed: DuckDB writes encrypted files here")
def test_without_httpfs_an_encrypted_database_is_one_clear_message(tmp_path):
    with pytest.raises(UserError) as refused:
        open_db(tmp_path / "lindeveen.duckdb", DATABASE_KEY)
    message = str(refused.value)
    assert "this DuckDB cannot write encrypted files: it needs the httpfs extension (OpenSSL)" in message
    assert "\n" not in message and DATABASE_KEY not in message


def test_an_encrypted_database_holds_no_post_text_in_its_bytes(tmp_path, writable_encryption):
    plain_path = tmp_path / "plain" / "lindeveen.duckdb"
    plain = open_db(plain_path)
    import_file(plain, _mention(tmp_path))
    plain.close()
    assert SECRET_TEXT.encode() in plain_path.read_bytes()  # the search below would find it

    path = tmp_path / "lindeveen.duckdb"
    con = open_db(path, DATABASE_KEY)
    import_file(con, _mention(tmp_path))
    wal = path.with_name(path.name + ".wal")
    assert wal.stat().st_size > 0 and SECRET_TEXT.encode() not in wal.read_bytes()
    con.execute("CHECKPOINT")
    con.close()
    assert SECRET_TEXT.encode() not in path.read_bytes()
    assert DATABASE_KEY.encode() not in path.read_bytes()
    assert mode(path) == 0o600

    con = open_db(path, DATABASE_KEY)  # migrations are recorded, the text reads back with the key
    assert con.execute("SELECT text FROM mentions").fetchall() == [(SECRET_TEXT,)]
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] >= 1
    con.close()


def test_a_wrong_key_a_missing_key_and_an_unencrypted_file_are_clear(tmp_path, writable_encryption):
    path = _encrypted(tmp_path)
    wrong = "another key that is long enough to be accepted"
    with pytest.raises(UserError) as refused:
        open_db(path, wrong)
    assert str(refused.value) == (f"{path}: the database key does not open this file (wrong key): set the key the "
                                  "file was encrypted with")
    with pytest.raises(UserError) as refused:
        open_db(path)
    assert str(refused.value) == (f"{path}: the database is encrypted, but no key is configured: set [storage] "
                                  "encryption_key_env or encryption_key_secret (docs/operations.md)")
    plain_path = tmp_path / "plain.duckdb"
    open_db(plain_path).close()
    with pytest.raises(UserError, match="the file is not encrypted, but .storage. asks for encryption: copy it into "
                                        "an encrypted file with `luisterpost encrypt`"):
        open_db(plain_path, DATABASE_KEY)


def test_encrypt_copies_an_unencrypted_database_into_an_encrypted_one(tmp_path, writable_encryption, loose_umask):
    path = tmp_path / "lindeveen.duckdb"
    plain = open_db(path)
    import_file(plain, _mention(tmp_path))
    plain.close()
    os.umask(0o022)  # a new process: the encrypt command opens no database before copying
    backup = encrypt_database(path, DATABASE_KEY)
    assert mode(path) == 0o600
    assert backup == tmp_path / "lindeveen.duckdb.unencrypted" and SECRET_TEXT.encode() in backup.read_bytes()
    assert SECRET_TEXT.encode() not in path.read_bytes()
    con = open_db(path, DATABASE_KEY)
    assert con.execute("SELECT text FROM mentions").fetchall() == [(SECRET_TEXT,)]
    # The record of applied migrations comes along: the copy is not migrated again.
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchall() == [(migrations()[-1][0],)]
    con.close()
    with pytest.raises(UserError, match="the database is encrypted already"):
        encrypt_database(path, DATABASE_KEY)


def test_the_database_key_comes_from_the_environment_or_a_secret(write_config, monkeypatch):
    monkeypatch.delenv("LINDEVEEN_DB_KEY", raising=False)
    monkeypatch.delenv("LINDEVEEN_DATABASE", raising=False)
    assert database_key(load_config(write_config())) is None
    config = load_config(write_config('[storage]\nencryption_key_env = "LINDEVEEN_DB_KEY"\n'
                                      'encryption_key_secret = "lindeveen-database"\n'))
    with pytest.raises(UserError) as refused:
        database_key(config, lambda name: None)
    assert str(refused.value) == (
        "[storage]: the database is to be encrypted, but its key is not set: set the environment variable "
        "LINDEVEEN_DB_KEY or the secret 'lindeveen-database' (environment variable LINDEVEEN_DATABASE or a Prefect "
        "Secret block)")
    assert database_key(config, {"lindeveen-database": DATABASE_KEY}.get) == DATABASE_KEY
    monkeypatch.setenv("LINDEVEEN_DB_KEY", "too short")
    with pytest.raises(UserError, match="is 9 characters; at least 32 are needed"):
        database_key(config)


def test_the_command_line_names_a_missing_database_key_without_a_traceback(write_config, tmp_path):
    config = write_config('[storage]\nencryption_key_env = "LINDEVEEN_DB_KEY"\n')
    env = {k: v for k, v in os.environ.items() if k != "LINDEVEEN_DB_KEY"}
    result = subprocess.run([sys.executable, "-m", "luisterpost", "--config", str(config), "status"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert "the database is to be encrypted, but its key is not set: set the environment variable LINDEVEEN_DB_KEY" \
        in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "lindeveen.duckdb").exists()


def test_the_flows_open_the_database_with_its_key(write_config, monkeypatch, writable_encryption):
    from flows.runtime import close_all, database

    monkeypatch.setenv("LINDEVEEN_DB_KEY", DATABASE_KEY)
    config = load_config(write_config('[storage]\nencryption_key_env = "LINDEVEEN_DB_KEY"\n'))
    with database(config).write() as con:
        import_file(con, _mention(config.base_dir))
    close_all()
    with pytest.raises(UserError, match="the database is encrypted, but no key is configured"):
        open_db(config.database_path)
    con = open_db(config.database_path, DATABASE_KEY)
    assert con.execute("SELECT text FROM mentions").fetchall() == [(SECRET_TEXT,)]
    con.close()


def test_an_encrypted_peer_is_read_without_httpfs(write_config, tmp_path, monkeypatch, writable_encryption):
    from luisterpost.metrics.peers import open_peer

    monkeypatch.setenv("PEER_DB_KEY", DATABASE_KEY)
    peer = load_config(write_config('[storage]\nencryption_key_env = "PEER_DB_KEY"\n', name="peer.toml"))
    open_db(peer.database_path, DATABASE_KEY).close()
    # Reading needs only DuckDB's built-in crypto library: nothing forced, nothing to install.
    monkeypatch.delitem(encryption.CONNECT_SETTINGS, "force_mbedtls_unsafe", raising=False)
    con = open_peer(peer)
    assert con.execute("SELECT count(*) FROM mentions").fetchone() == (0,)
    con.close()
    monkeypatch.setenv("PEER_DB_KEY", "a wrong key that is long enough, still")
    with pytest.raises(UserError, match="wrong key"):
        open_peer(peer)
