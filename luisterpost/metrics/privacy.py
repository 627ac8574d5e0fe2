"""Pseudonyms for residents in every output that names authors (AVG): a stable keyed hash.

Own accounts and accounts with at least `public_followers` followers (media, public figures) keep their
handle. Handles mentioned inside post texts are replaced the same way."""

from __future__ import annotations

import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..config import Config, normalise_handle
from ..masking import mask_contacts

PREFIX = "inwoner-"
_MENTION = re.compile(r"@([A-Za-z0-9_][A-Za-z0-9_.\-]*(?:@[A-Za-z0-9_.\-]+)?)")


def load_key(env_name: str, key_file: Path) -> bytes:
    """The pseudonym key: from the environment variable if set, else from `key_file`, created with a
    random key on first use (readable by the owner only) so pseudonyms stay stable across runs."""
    value = os.environ.get(env_name)
    if value:
        return value.encode()
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip().encode()


@dataclass(frozen=True)
class Pseudonymiser:
    key: bytes
    public_followers: int = 10_000
    enabled: bool = True

    def pseudonym(self, platform: str, author: str) -> str:
        """"inwoner-" and 8 hex characters of HMAC-SHA256(key, platform:handle): stable, not reversible."""
        return PREFIX + self.digest(platform, author)[:8]

    def digest(self, platform: str, value: str) -> str:
        """HMAC-SHA256(key, platform:value) in hex: the keyed hash pseudonyms and the suppression list use."""
        return hmac.digest(self.key, f"{platform}:{value}".encode(), "sha256").hex()

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
