"""Which text encoding a mentions file is in, and its lines decoded from it."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import UserError

# How much of a file the detection looks at: enough to meet an accented letter in real exports, cheap to read.
SAMPLE_BYTES = 1 << 20
LABELS = {"utf-8": "UTF-8", "utf-16": "UTF-16", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16",
          "utf-32": "UTF-32", "cp1252": "Windows-1252", "latin-1": "Latin-1", "iso8859-1": "Latin-1"}


@dataclass(frozen=True)
class TextEncoding:
    """How to decode a file: the codec, its name for users, and the bytes of byte-order mark to skip."""

    codec: str
    bom: int = 0

    @property
    def label(self) -> str:
        return LABELS.get(self.codec, self.codec)

    @property
    def is_utf8(self) -> bool:
        return self.codec == "utf-8"

    @property
    def splits_on_newline_byte(self) -> bool:
        """True when every line ends in the byte 0x0A, so raw lines can be split before decoding."""
        return "\n".encode(self.codec) == b"\n" and "a".encode(self.codec) == b"a"


def given_encoding(name: str, head: bytes) -> TextEncoding:
    """The encoding a user named (`--encoding`); a UTF-8 byte-order mark is skipped when they named UTF-8."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise UserError(f"--encoding {name!r}: not an encoding Python knows (e.g. utf-8, cp1252, utf-16)") from None
    if codec == "utf-8" and head.startswith(codecs.BOM_UTF8):
        return TextEncoding(codec, len(codecs.BOM_UTF8))
    return TextEncoding(codec)


def detect_encoding(head: bytes, ref: str, *, lenient_utf8: bool) -> TextEncoding:
    """The encoding of a file whose first bytes are `head` (up to SAMPLE_BYTES).

    A byte-order mark decides (UTF-8, UTF-16, UTF-32); else a UTF-16 pattern of zero bytes; else UTF-8 when the
    sample is UTF-8, or holds UTF-8 letters beside a flaw, or `lenient_utf8` (JSONL is UTF-8 by definition): the
    lines that are not UTF-8 are then reported one by one. Else Windows-1252 when the sample decodes as that (what
    Excel writes as "CSV" on Windows); else a UserError naming the line of the first byte that fits neither."""
    if head.startswith(codecs.BOM_UTF8):
        return TextEncoding("utf-8", len(codecs.BOM_UTF8))
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return TextEncoding("utf-32")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return TextEncoding("utf-16")
    utf16 = _utf16_without_bom(head)
    if utf16:
        return TextEncoding(utf16)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)  # a character cut off at the end is fine
        return TextEncoding("utf-8")
    except UnicodeDecodeError:
        pass
    if lenient_utf8 or _has_utf8_beyond_ascii(head):
        return TextEncoding("utf-8")
    try:
        head.decode("cp1252")
        return TextEncoding("cp1252")
    except UnicodeDecodeError as exc:
        problem = exc
    line = head.count(b"\n", 0, problem.start) + 1
    raise UserError(f"{ref}:{line}: byte 0x{head[problem.start]:02X} is not UTF-8, UTF-16 or Windows-1252 text; "
                    f"save the file as UTF-8, or name its encoding with --encoding (e.g. --encoding latin-1)")


def _utf16_without_bom(head: bytes) -> str | None:
    # Text in UTF-16 has a zero byte beside nearly every ASCII character; UTF-8 text has none.
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > len(sample) // 4 and even == 0:
        return "utf-16-le"
    if even > len(sample) // 4 and odd == 0:
        return "utf-16-be"
    return None


def _has_utf8_beyond_ascii(head: bytes) -> bool:
    # A file with real UTF-8 letters (é as C3 A9) and one bad byte is UTF-8 with a flaw, not Windows-1252:
    # reading it as Windows-1252 would garble every letter silently.
    text = head.decode("utf-8", errors="replace")
    return any(ord(ch) > 127 and ch != "\ufffd" for ch in text)


def decoded_lines(handle: BinaryIO, encoding: TextEncoding, ref: str) -> Iterator[tuple[str, bool]]:
    """Yield (line, decoded) for each physical line of `handle` (positioned after the byte-order mark).

    Lines keep their line ending. A line that is not valid in the encoding comes back with `decoded` False
    and its undecodable bytes replaced, so a reader can report it by its line number and go on (in UTF-16
    and UTF-32, where lines cannot be told apart before decoding, it is a UserError naming the line)."""
    first = True
    if encoding.splits_on_newline_byte:
        for raw in handle:
            try:
                line, decoded = raw.decode(encoding.codec), True
            except UnicodeDecodeError:
                line, decoded = raw.decode(encoding.codec, errors="replace"), False
            if first:
                line, first = line.removeprefix("\ufeff"), False
            yield line, decoded
        return
    # UTF-16 and UTF-32: a newline is more than one byte, so decode first, then split.
    decoder = codecs.getincrementaldecoder(encoding.codec)(errors="strict")
    pending = ""
    number = 1
    while True:
        block = handle.read(1 << 20)
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError:
            number += pending.count("\n")
            raise UserError(f"{ref}:{number}: not valid {encoding.label} text") from None
        if first and text:
            text, first = text.removeprefix("\ufeff"), False
        *lines, pending = (pending + text).split("\n")  # the last piece is a line still being read
        for line in lines:
            number += 1
            yield line + "\n", True
        if not block:
            if pending:
                yield pending, True
            return
