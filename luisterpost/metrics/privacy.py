"""Pseudonyms for residents in every output that names authors (AVG): a stable keyed hash.

Own accounts and accounts with at least `public_followers` followers (media, public figures) keep their
handle. Handles mentioned inside post texts are replaced the same way."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..config import Config, normalise_handle
from ..errors import UserError
from ..filemodes import create_private, owner_only
from ..masking import mask_contacts

PREFIX = "inwoner-"
_MENTION = re.compile(r"@([A-Za-z0-9_][A-Za-z0-9_.\-]*(?:@[A-Za-z0-9_.\-]+)?)")


MIN_KEY_BYTES = 32
_MAKE_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


def load_key(env_name: str, key_file: Path) -> bytes:
    """The pseudonym key: the value of the environment variable `env_name` if set, else the text in
    `key_file`, created with a random key on first use so pseudonyms stay stable across runs.

    UserError naming the variable or file when the key is shorter than MIN_KEY_BYTES, empty, unreadable or
    damaged: a weak key makes pseudonyms anyone can recompute from public handles. A key file others may
    read is limited to its owner."""
    value = os.environ.get(env_name)
    if value:
        key = value.encode()
        if len(key) < MIN_KEY_BYTES:
            raise UserError(f"the environment variable {env_name} holds a pseudonym key of {len(key)} bytes; at "
                            f"least {MIN_KEY_BYTES} are needed (64 hex characters from `{_MAKE_KEY}`). Pseudonyms "
                            "change with the key.")
        return key
    if not key_file.exists():
        _create_key_file(key_file)
    return _read_key_file(key_file)


def _create_key_file(key_file: Path) -> None:
    """A new random key (64 hex characters) in `key_file`, readable by its owner only from the start."""
    try:
        create_private(key_file, secrets.token_hex(32).encode())
    except OSError as exc:
        raise UserError(f"{key_file}: cannot create the pseudonym key: {exc.strerror or exc}; nothing was written. "
                        "Free disk space or make the folder writable, then run again.") from None


def _read_key_file(key_file: Path) -> bytes:
    """The key in `key_file` (its text without surrounding whitespace, as it was always read)."""
    try:
        owner_only(key_file)
        raw = key_file.read_bytes()
    except PermissionError:
        raise UserError(f"{key_file}: cannot read the pseudonym key: permission denied. Run Luisterpost as the "
                        f"account that owns it, or give that account the file (`chown`, `chmod 600`).") from None
    except OSError as exc:
        raise UserError(f"{key_file}: cannot read the pseudonym key: {exc.strerror or exc}") from None
    lost = ("Restore the key from a backup; only if no report or export made with it was kept or shared, delete "
            "the file and a new key is made on the next run (every pseudonym then changes).")
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        text = None
    if text is None or not text.isprintable():
        raise UserError(f"{key_file}: not a pseudonym key: it holds bytes that are not text (a damaged file?). {lost}")
    if not text:
        raise UserError(f"{key_file}: the pseudonym key file is empty (left so by a full disk?): pseudonyms from an "
                        f"empty key can be recomputed by anyone from public handles. {lost}")
    key = text.encode()
    if len(key) < MIN_KEY_BYTES:
        raise UserError(f"{key_file}: the pseudonym key is {len(key)} bytes; at least {MIN_KEY_BYTES} are needed "
                        f"(a key made by Luisterpost is 64 hex characters, as `{_MAKE_KEY}` prints). {lost}")
    return key


@dataclass(frozen=True)
class Pseudonymiser:
    key: bytes
    public_followers: int = 10_000
    enabled: bool = True

    def pseudonym(self, platform: str, author: str) -> str:
        """"inwoner-" and 8 hex characters of HMAC-SHA256(key, platform:handle): stable, not reversible."""
        digest = hmac.new(self.key, f"{platform}:{author}".encode(), hashlib.sha256).hexdigest()
        return PREFIX + digest[:8]

    def names(self, frame: pl.DataFrame, author: str = "author", followers: str | None = "author_followers",
              own: str | None = "is_own") -> pl.DataFrame:
        """Replace `author` by a pseudonym where it must not be shown, and leave out the post's `url` there
        (a link to a resident's post names them: most platforms put the handle in it)."""
        if not self.enabled or frame.is_empty():
            return frame
        shown = pl.lit(False)
        if own:
            shown |= pl.col(own).fill_null(False)
        if followers:
            shown |= pl.col(followers).fill_null(0) >= self.public_followers
        # Each hidden author hashed once, however many rows name them (a year's cases name a resident often).
        hidden = frame.filter(~shown).select("platform", author).unique()
        hidden = hidden.with_columns(pl.Series("_pseudonym", [self.pseudonym(str(platform), name)
                                                             for platform, name in hidden.iter_rows()], pl.String))
        links = [pl.when(shown).then(pl.col("url")).alias("url")] if "url" in frame.columns else []
        return (frame.join(hidden, on=["platform", author], how="left", nulls_equal=True, maintain_order="left")
                .with_columns(pl.when(shown).then(pl.col(author)).otherwise(pl.col("_pseudonym")).alias(author),
                              *links)
                .drop("_pseudonym"))

    def text(self, platform: str, text: str, visible: set[str]) -> str:
        """Replace @handles in `text` by pseudonyms, except those in `visible` (normalised handles)."""
        if not self.enabled:
            return text

        def swap(match: re.Match[str]) -> str:
            handle = normalise_handle(platform, match.group(1).rstrip("."))
            return match.group(0) if handle in visible else "@" + self.pseudonym(platform, handle)

        return _MENTION.sub(swap, text)

    def texts(self, frame: pl.DataFrame, visible: dict[str, set[str]]) -> pl.DataFrame:
        """Mask e-mail addresses, links and phone numbers in the `text` column (masking.mask_contacts) and
        pseudonymise the @handles in it (own handles stay visible)."""
        if not self.enabled or frame.is_empty():
            return frame
        # Contacts first: an e-mail address or profile link holds an @ that would be read as a handle.
        frame = frame.with_columns(text=mask_contacts(pl.col("text")))
        return frame.with_columns(
            text=pl.struct("platform", "text").map_elements(
                lambda row: self.text(row["platform"], row["text"], visible.get(row["platform"], set())),
                return_dtype=pl.String)
        )


def pseudonymiser_of(config: Config) -> Pseudonymiser:
    """The municipality's pseudonymiser, with its key from the environment or its key file."""
    privacy = config.privacy
    return Pseudonymiser(load_key(privacy.key_env, config.pseudonym_key_file), privacy.public_followers,
                         privacy.pseudonymise)
