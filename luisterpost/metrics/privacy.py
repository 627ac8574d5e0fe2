"""Pseudonyms for residents in every output that names authors (AVG): a stable keyed hash.

Own accounts and accounts with at least `public_followers` followers (media, public figures) keep their
handle and the link to their post; residents' posts are shown without a link. Handles mentioned inside post
texts are replaced the same way (own accounts' stay), after contact details, addresses and greeted names are
masked (masking.py)."""

from __future__ import annotations

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
from ..masking import mask_texts

PREFIX = "inwoner-"
# Handles as each platform writes them, letters of any script included: @name, @name@instance (Mastodon),
# @name.bsky.social and @name.example.nl (Bluesky domain handles), and u/name or /u/name (Reddit). A trailing
# dot ends the sentence, not the handle.
HANDLE = re.compile(
    r"(?P<reddit>(?<![\w/])/?u/)(?P<user>[\w\-]{3,20})"
    r"|@(?P<at>\w(?:[\w.\-]*\w)?(?:@\w(?:[\w.\-]*\w)?)?)")
# A Bluesky handle written without its @ ("vraag jan.bsky.social"): given one first (Rust regex, all texts at once).
BARE_BLUESKY = (r"(^|[^\w@./\-])([\w\-]+(?:\.[\w\-]+)*\.bsky\.social)\b", "${1}@${2}")
# A Bluesky id (at://did:plc:…/app.bsky.feed.post/…) holds its author's DID, which names the account as surely
# as a handle does (Rust and Python regex alike).
DID = r"did:(?:plc|web):[\w.%:\-]+"
HIDDEN_DID = "did:…"
_JOIN = "\x00"  # joins a platform's texts for one pass of HANDLE: neither a word nor handle character
# What a text that names a handle holds (Rust regex, to find those texts at once).
HANDLE_HINT = r"@|\bu/"


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
        if frame.is_empty():
            return frame
        shown = pl.lit(False)
        if own:
            shown |= pl.col(own).fill_null(False)
        if followers:
            shown |= pl.col(followers).fill_null(0) >= self.public_followers
        if "url" in frame.columns:
            frame = frame.with_columns(url=pl.when(shown).then(pl.col("url")))
        # Each hidden author hashed once, however many rows name them (a year's cases name a resident often).
        hidden = frame.filter(~shown).select("platform", author).unique()
        hidden = hidden.with_columns(pl.Series("_pseudonym", [self.pseudonym(str(platform), name)
                                                             for platform, name in hidden.iter_rows()], pl.String))
        return (frame.join(hidden, on=["platform", author], how="left", nulls_equal=True, maintain_order="left")
                .with_columns(pl.when(shown).then(pl.col(author)).otherwise(pl.col("_pseudonym")).alias(author))
                .drop("_pseudonym"))

    def text(self, platform: str, text: str, visible: set[str], seen: dict[tuple[str, str], str] | None = None) -> str:
        """Replace the handles in `text` by pseudonyms, in each platform's syntax (see `HANDLE`), except those
        in `visible` (normalised handles: the own accounts'). A Reddit u/name is pseudonymised as a Reddit
        handle, every other as one of `platform`, so a resident gets the pseudonym their posts get there.
        `seen` keeps what each handle became, for the next text (many texts name the same accounts). A
        Bluesky handle written without its @ is left to `texts`, which gives it one first."""
        seen = {} if seen is None else seen

        def hidden(on: str, handle: str) -> str:
            found = seen.get((on, handle))
            if found is None:
                written = handle.lower()
                own = written in visible or written.split("@", 1)[0] in visible
                found = seen[on, handle] = handle if own else self.pseudonym(on, normalise_handle(on, handle))
            return found

        def swap(match: re.Match[str]) -> str:
            if match["user"]:
                return match["reddit"] + hidden("reddit", match["user"])
            return "@" + hidden(platform, match["at"])

        return HANDLE.sub(swap, text)

    def texts(self, frame: pl.DataFrame, visible: dict[str, set[str]]) -> pl.DataFrame:
        """The `text` column with contact details, addresses and greeted names masked (masking.mask_texts,
        always) and the handles in it pseudonymised. Own accounts'
        handles stay, on whichever platform's post they appear."""
        if frame.is_empty():
            return frame
        # Contacts first: an e-mail address or profile link holds an @ that would be read as a handle.
        frame = frame.with_columns(mask_texts(frame["text"]))
        frame = frame.with_columns(pl.col("text").str.replace_all(*BARE_BLUESKY))
        # Only the texts that may name a handle go through Python (the pseudonym is an HMAC per handle).
        rows = frame.select(pl.col("text").str.contains(HANDLE_HINT).fill_null(False)).to_series().arg_true()
        if rows.is_empty():
            return frame
        own = set().union(*visible.values())
        seen: dict[tuple[str, str], str] = {}
        named = frame.select(pl.col("platform").cast(pl.String), "text")[rows].with_columns(row=rows)
        done = []
        for (platform,), group in named.group_by("platform"):
            texts = group["text"].to_list()
            # One regex pass over a platform's texts joined (no handle spans the separator), not one per text.
            if any(_JOIN in text for text in texts):
                swapped = [self.text(platform, text, own, seen) for text in texts]
            else:
                swapped = self.text(platform, _JOIN.join(texts), own, seen).split(_JOIN)
            done.append(pl.DataFrame({"row": group["row"], "text": swapped}, schema={"row": rows.dtype, "text": pl.String}))
        swapped_rows = pl.concat(done)
        return frame.with_columns(frame["text"].scatter(swapped_rows["row"], swapped_rows["text"]))


def pseudonymiser_of(config: Config) -> Pseudonymiser:
    """The municipality's pseudonymiser, with its key from the environment or its key file."""
    privacy = config.privacy
    return Pseudonymiser(load_key(privacy.key_env, config.pseudonym_key_file), privacy.public_followers)
