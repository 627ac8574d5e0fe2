"""The suppression list (AVG art. 17 and 21): people and posts that asked to be forgotten, kept only as keyed
hashes, and the filter every store path runs over `staged` (harvest, import, drop folders, renormalise).

A listed person's posts are left out and counted as suppressed; a listed handle in another post's text
("@handle", "@handle@instance", any case) becomes its pseudonym, as reports would show it. The list holds
HMAC-SHA256 digests made with the municipality's pseudonym key, never a handle, id or text in clear: a handle
found in an incoming post is hashed and looked up."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from ..config import Config
from ..errors import UserError
from ..handles import normalise_handle
from ..metrics.privacy import Pseudonymiser, pseudonymiser_of

KINDS = ("handle", "author_id", "post")
# One more row, of kind 'key', tells which key made the list: another key would match no one, silently.
KEY_CHECK = ("key", "", "suppression list")
# An @handle as post texts write it, with an optional @instance (Mastodon); as metrics/privacy.py reads them.
_AT = re.compile(r"@([A-Za-z0-9_][A-Za-z0-9_.\-]*(?:@[A-Za-z0-9_.\-]+)?)")
# A URL in a payload's string, and a word of it (a path segment such as x.com/handle/status/1).
_URL = re.compile(r"[a-z]+://\S+")
_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:@[A-Za-z0-9_.\-]+)?")
# A value that may be a handle or an account id as a whole (ids such as "did:plc:…" hold colons); anything else,
# a text say, is not hashed whole.
_VALUE = re.compile(r"@?[A-Za-z0-9_][A-Za-z0-9_.:\-]*(?:@[A-Za-z0-9_.\-]+)?")


@dataclass(frozen=True)
class Suppressor:
    """The suppression list as read from the database, with the key to hash what arrives."""

    pseudonymiser: Pseudonymiser
    digests: frozenset[tuple[str, str]] = frozenset()  # (kind, digest)
    # Each (platform, word) hashed once per run: the same handles come back in batch after batch.
    _seen: dict[tuple[str, str], str | None] = field(default_factory=dict, compare=False, repr=False)

    def __bool__(self) -> bool:
        return bool(self.digests)

    def digest(self, kind: str, platform: str, value: str) -> str:
        """The keyed hash stored for a handle (normalised), an author id or a post id on `platform`."""
        return self.pseudonymiser.digest(platform, f"{kind}:{value}")

    def listed(self, kind: str, platform: str, value: str | None) -> bool:
        return value is not None and (kind, self.digest(kind, platform, value)) in self.digests

    def person(self, platform: str, handle: str | None, author_id: str | None) -> bool:
        """Whether the author (by handle, or by the platform's id of the account) is on the list."""
        return (handle is not None and self.handle_of(platform, handle) is not None) or \
            self.listed("author_id", platform, author_id)

    def handle_of(self, platform: str, written: str) -> str | None:
        """The listed handle `written` stands for ("@Jan", "jan@instance"), normalised; None when not listed."""
        key = (platform, written)
        if key not in self._seen:
            bare = written.lstrip("@")
            forms = [normalise_handle(platform, bare)]
            if "@" in bare:  # "@handle@instance" on any platform names the handle before the instance
                forms.append(normalise_handle(platform, bare.split("@", 1)[0]))
            self._seen[key] = next((f for f in forms if f and self.listed("handle", platform, f)), None)
        return self._seen[key]

    def _swap(self, platform: str, written: str, at: str) -> str | None:
        """The pseudonym to write instead of `written` (a listed handle or author id), else None."""
        stripped = written.rstrip(".")  # a handle ending a sentence: "… @jan."
        handle = self.handle_of(platform, stripped)
        if handle is not None:
            return at + self.pseudonymiser.pseudonym(platform, handle) + written[len(stripped):]
        if self.listed("author_id", platform, written):
            return at + self.pseudonymiser.pseudonym(platform, "id:" + written)
        return None

    def scrub_text(self, platform: str, text: str) -> str:
        """`text` with every listed @handle replaced by "@" and its pseudonym."""
        if "@" not in text:
            return text
        return _AT.sub(lambda m: self._swap(platform, m.group(1), "@") or m.group(0), text)

    def scrub_value(self, platform: str, value: str) -> str:
        """A string of a raw payload: a listed handle or id as the whole value, @handles in it, and listed
        handles as words of a URL (x.com/handle/status/1), replaced by their pseudonyms."""
        if len(value) <= 256 and _VALUE.fullmatch(value):
            whole = self._swap(platform, value.lstrip("@"), "@" if value.startswith("@") else "")
            if whole is not None:
                return whole
        value = self.scrub_text(platform, value)
        if "://" in value:
            value = _URL.sub(lambda url: _WORD.sub(lambda m: self._swap(platform, m.group(0), "") or m.group(0),
                                                   url.group(0)), value)
        return value

    def scrub_payload(self, platform: str, payload: str) -> str:
        """A raw payload (JSON) with listed handles and ids replaced wherever they are a value, an @handle or a
        word of a URL; the same text when nothing is listed in it."""
        data = json.loads(payload)
        scrubbed = self._walk(platform, data)
        return payload if scrubbed == data else json.dumps(scrubbed, ensure_ascii=False)

    def _walk(self, platform: str, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub_value(platform, value)
        if isinstance(value, dict):
            return {k: self._walk(platform, v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(platform, v) for v in value]
        if isinstance(value, int) and not isinstance(value, bool):  # an account id as a number
            return self._swap(platform, str(value), "") or value
        return value


def load(con: duckdb.DuckDBPyConnection, pseudonymiser: Pseudonymiser) -> Suppressor:
    """The suppression list stored in the database, hashed with `pseudonymiser`'s key."""
    rows = con.execute("SELECT kind, digest FROM suppressions").fetchall()
    suppressor = Suppressor(pseudonymiser, frozenset(row for row in rows if row[0] != "key"))
    made_with = {digest for kind, digest in rows if kind == "key"}
    if made_with and made_with != {suppressor.digest(*KEY_CHECK)}:
        raise UserError("the suppression list was made with another pseudonym key than the one given now "
                        "([privacy] key_env or key_file): with it, forgotten people would not be recognised")
    return suppressor


def suppressor_of(config: Config, con: duckdb.DuckDBPyConnection) -> Suppressor | None:
    """The municipality's suppression list with its pseudonym key; None while the list is empty (nothing to
    check, and the key is not read)."""
    if not con.execute("SELECT count(*) FROM suppressions").fetchall()[0][0]:
        return None
    return load(con, pseudonymiser_of(config))


def add(con: duckdb.DuckDBPyConnection, suppressor: Suppressor, entries: list[tuple[str, str, str]],
        now: datetime) -> Suppressor:
    """Put (kind, platform, value) entries on the list (as keyed hashes); return the list with them."""
    digests = {(kind, suppressor.digest(kind, platform, value)) for kind, platform, value in entries}
    for kind, digest in sorted(digests | {("key", suppressor.digest(*KEY_CHECK))}):
        con.execute("INSERT OR IGNORE INTO suppressions VALUES (?, ?, ?)", [kind, digest, now])
    return Suppressor(suppressor.pseudonymiser, suppressor.digests | digests)


def suppress_staged(con: duckdb.DuckDBPyConnection, suppressor: Suppressor | None) -> int:
    """Remove from `staged` the good rows whose author or post is on the list (their keys are kept in the temp
    table `suppressed_keys` for `keep_payloads`), and replace listed handles in the other rows' texts; return
    how many posts were left out.

    Without a suppressor only an empty list is allowed: a listed person's posts are never stored unhashed."""
    if suppressor is None:
        listed = con.execute("SELECT count(*) FROM suppressions").fetchall()[0][0]
        if listed:
            raise UserError(f"the suppression list holds {listed:,} entries, but no pseudonym key was given to "
                            "check incoming posts against it; nothing was stored")
        return 0
    con.execute("CREATE OR REPLACE TEMP TABLE suppressed_keys (platform VARCHAR, id VARCHAR)")
    if not suppressor:
        return 0
    authors = con.execute("SELECT DISTINCT platform, author_handle, author_id FROM staged WHERE copy = 1").fetchall()
    listed_authors = [row for row in authors if suppressor.person(*row)]
    posts: list[tuple[str, str]] = []
    if any(kind == "post" for kind, _ in suppressor.digests):
        keys = con.execute("SELECT platform, id FROM staged WHERE copy = 1").fetchall()
        posts = [key for key in keys if suppressor.listed("post", *key)]
    if listed_authors or posts:
        con.register("listed_authors", pa.table({
            "platform": pa.array([r[0] for r in listed_authors], pa.string()),
            "author_handle": pa.array([r[1] for r in listed_authors], pa.string()),
            "author_id": pa.array([r[2] for r in listed_authors], pa.string())}))
        con.register("listed_posts", pa.table({"platform": pa.array([p for p, _ in posts], pa.string()),
                                               "id": pa.array([i for _, i in posts], pa.string())}))
        con.execute(
            "INSERT INTO suppressed_keys SELECT DISTINCT s.platform, s.id FROM staged AS s"
            " WHERE EXISTS (SELECT 1 FROM listed_authors AS a WHERE a.platform = s.platform"
            " AND a.author_handle = s.author_handle AND a.author_id IS NOT DISTINCT FROM s.author_id)"
            " OR EXISTS (SELECT 1 FROM listed_posts AS p WHERE p.platform = s.platform AND p.id = s.id)")
        con.unregister("listed_authors")
        con.unregister("listed_posts")
        # Every copy of a left-out post goes, the rejected ones too: nothing of it stays in the batch.
        con.execute("DELETE FROM staged AS s USING suppressed_keys AS k WHERE s.platform = k.platform AND s.id = k.id")
    texts = con.execute("SELECT seq, platform, text FROM staged WHERE copy = 1 AND contains(text, '@')").fetchall()
    changed = [(seq, new) for seq, platform, text in texts if (new := suppressor.scrub_text(platform, text)) != text]
    if changed:
        con.register("scrubbed", pa.table({"seq": pa.array([s for s, _ in changed], pa.int64()),
                                           "text": pa.array([t for _, t in changed], pa.string())}))
        con.execute("UPDATE staged AS s SET text = c.text FROM scrubbed AS c WHERE s.seq = c.seq")
        con.unregister("scrubbed")
    return con.execute("SELECT count(*) FROM suppressed_keys").fetchall()[0][0]


def keep_payloads(con: duckdb.DuckDBPyConnection, raw: pa.Table, suppressor: Suppressor | None) -> pa.Table:
    """The raw payloads (platform, id, payload) of a batch that may be kept: without those of left-out posts
    (`suppress_staged` ran first) or listed posts, and with listed handles and ids replaced in the others."""
    if not suppressor or raw.num_rows == 0:
        return raw
    left_out = set(con.execute("SELECT platform, id FROM suppressed_keys").fetchall())
    rows = [(p, i, suppressor.scrub_payload(p, payload))
            for p, i, payload in zip(*(raw.column(c).to_pylist() for c in ("platform", "id", "payload")), strict=True)
            if (p, i) not in left_out and not suppressor.listed("post", p, i)]
    return pa.table({name: pa.array([row[n] for row in rows], pa.string())
                     for n, name in enumerate(("platform", "id", "payload"))})
