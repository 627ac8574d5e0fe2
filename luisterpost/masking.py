"""Masking what could identify a person in a post's text, beyond the handles the pseudonymiser replaces
(metrics.privacy): e-mail addresses, links, IBANs, phone numbers, addresses and the name a greeting opens
with become a fixed placeholder (docs/masking.md lists the rules).

Every rule is a Rust regex that Polars applies to a whole column at once (a month can be 100,000 posts), so
none may look around: where a rule must not start inside a word it captures the character before the
match and puts it back. Masking runs before handles are pseudonymised: an e-mail address
("jan@voorbeeld.nl") or a profile link ("social.example/@jan") holds an @ that would otherwise be read as a
handle, leaving part of it."""

from __future__ import annotations

import polars as pl

EMAIL = "[e-mail]"
LINK = "[link]"
IBAN = "[iban]"
PHONE = "[telefoon]"
ADDRESS = "[adres]"
NAME = "[naam]"

# The rest of a link: up to a space or quote, not ending in the punctuation of the sentence around it.
_LINK_REST = r"[^\s<>\"']*[^\s<>\"'.,;:!?)]"
_SEP = r"(?: ?[.\-] ?| )"  # between groups of digits: a space, or a dot or a dash with or without spaces
# A Dutch number after its leading 0: nine digits, grouped as people write them (06-12345678, 06 1234 5678,
# 020-123 45 67, 0591 12 34 56, 0201234567). Only these groupings: a date and a time ("08-10-2026 12:00")
# also holds ten digits, grouped 2-2-4-2.
_MOBILE = rf"6{_SEP}?(?:\d{{8}}|\d{{4}}{_SEP}\d{{4}}|\d{{2}}(?:{_SEP}\d{{2}}){{3}}|\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{2}}|\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{3}})"
_AREA2 = rf"[1-9]\d{_SEP}?(?:\d{{7}}|\d{{3}}{_SEP}\d{{4}}|\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{2}}|\d{{2}}{_SEP}\d{{2}}{_SEP}\d{{3}})"
_AREA3 = rf"[1-9]\d{{2}}{_SEP}?(?:\d{{6}}|\d{{3}}{_SEP}\d{{3}}|\d{{2}}{_SEP}\d{{2}}{_SEP}\d{{2}})"
_NATIONAL = rf"(?:{_MOBILE}|{_AREA2}|{_AREA3})"
# Dutch street names end in one of these; a capitalised word ending in one, then a house number, is an address.
STREET_SUFFIXES = ("straat", "weg", "laan", "plein", "gracht", "kade", "dijk", "singel", "hof", "pad", "steeg",
                   "dreef", "park", "erf", "ring", "baan", "markt", "wal", "haven", "veld", "akker", "brink",
                   "hoven", "lei", "pleintje", "straatje", "allee", "boulevard", "kwartier")
_HOUSE_NUMBER = r"\d{1,4}(?:[ \-]?[a-zA-Z]\b|[\-/]\d{1,4}\b|\b)"
# Greetings that open a message ("Dag Sietske,", "Beste meneer Jansen,"): the name after them is masked.
GREETINGS = ("dag", "hoi", "hallo", "hai", "hey", "hee", "hé", "hi", "hello", "beste", "lieve", "geachte",
             "goedemorgen", "goedemiddag", "goedenavond", "goedendag", "goeiemorgen", "goeiemiddag",
             "goeienavond", "goeiedag", "moi", "dear")
_TITLES = r"(?:meneer|mevrouw|heer|mevr\.?|mw\.?|dhr\.?|hr\.?|mr\.?|mrs\.?|ms\.?|juffrouw|familie|fam\.?)"
_PARTICLES = r"(?:(?:van|de|der|den|ter|ten|te|het|'t|la|le|du|da|von)\s+)"
_CAPITALISED = r"\p{Lu}[\p{L}'’\-]*"
_NAMES = rf"(?i:{_TITLES}\s+{_PARTICLES}*)?{_CAPITALISED}(?:[ \t]+(?i:{_PARTICLES}*){_CAPITALISED})?"
# Where a greeting opens: the start of the text or of a line (after any @handles it starts with), or a sentence.
_OPENING = r"((?:^|[.!?]\s+)(?:@[\w.@\-]+[ \t,:]*)*(?i:" + "|".join(GREETINGS) + r")[ \t]+)"
# Capitalised words after a greeting that name no one ("Hallo Allemaal", "Beste Inwoners").
NOT_NAMES = ("allemaal", "iedereen", "allen", "gemeente", "inwoners", "bewoners", "buren", "mensen", "team",
             "webcare", "lezers", "volgers", "dorpsgenoten", "wijkbewoners", "ouders", "college", "raad",
             "collega", "collega's", "heren", "dames")
_KEEP = "\ue000"  # a private-use character: marks a greeting followed by one of NOT_NAMES while names are masked

# Each rule: a Rust regex (Polars) and its replacement, applied in this order; the forms of one kind are
# alternatives of one regex, so each kind takes one pass over the texts.
RULES: tuple[tuple[str, str], ...] = (
    # Not right after an @ or a word: "@jan@social.example" is a Mastodon handle, which the pseudonymiser takes.
    (r"(^|[^\w@.%+\-])[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.\p{L}{2,}", "${1}" + EMAIL),
    # Links with a scheme or www., and links without a scheme but with a path ("social.example/@jan",
    # "bsky.app/profile/jan.bsky.social").
    (rf"(?i)(^|[^\w@./\-])(?:(?:https?://|www\.){_LINK_REST}|(?:[\w\-]+\.)+[a-z]{{2,}}/(?:{_LINK_REST})?)",
     "${1}" + LINK),
    # IBAN: country, check digits, then groups of four (the second all digits), spaces optional.
    (r"\b[A-Za-z]{2}\d{2} ?[A-Za-z0-9]{4} ?\d{4}(?: ?[A-Z0-9]{4}){0,5}(?: ?[A-Z0-9]{1,3})?\b", IBAN),
    ("|".join((
        # International: +31 or 0031 (also other country codes), an optional (0), then the digits.
        rf"(?:\+|\b00)\d{{1,3}}{_SEP}?(?:\(0\){_SEP}?)?\d(?:{_SEP}?\d){{6,11}}\b",
        # Dutch: (020) 123 4567, or a leading 0 and nine digits (06-12345678, 020-123 45 67, 088 123 4567).
        rf"\(0\d{{2,3}}\)[ \-]?\d{{2,3}}(?:{_SEP}?\d{{2,4}}){{1,2}}\b",
        rf"\b0{_NATIONAL}\b",
        # Service numbers: 0800 and 090x with four or seven digits (0800-1234, 0900 123 4567).
        rf"\b0(?:800|90[0-9]){_SEP}?(?:\d{{3}}{_SEP}?\d{{4}}|\d{{4}})\b")), PHONE),
    # Postcode and house number ("1234 AB 12", "1234AB 12a": a postcode alone names a street, not a house), or
    # a street and house number ("Kerkstraat 4a").
    (rf"\b(?:[1-9]\d{{3}}(?: ?[A-Z]{{2}}|[a-z]{{2}})[ ,]+|\p{{Lu}}[\p{{L}}'\-]*(?:{'|'.join(STREET_SUFFIXES)})[ \t]+)"
     rf"{_HOUSE_NUMBER}", ADDRESS),
)
_NOT_NAME = rf"(?m){_OPENING}((?i:{'|'.join(NOT_NAMES)})\b)"
_GREETED = rf"(?m){_OPENING}{_NAMES}"
_GREETING_WORD = rf"(?i)\b(?:{'|'.join(GREETINGS)})\b"


def mask_contacts(text: pl.Expr) -> pl.Expr:
    """`text` with e-mail addresses, links (http(s)://, www. or a domain with a path), IBANs, phone numbers and
    addresses (postcode or street and house number) replaced by placeholders."""
    for pattern, placeholder in RULES:
        text = text.str.replace_all(pattern, placeholder)
    return text


def mask_greetings(text: pl.Expr) -> pl.Expr:
    """`text` with the name a greeting opens with replaced by [naam]: "Dag Sietske," → "Dag [naam],",
    "Beste meneer Jansen," → "Beste [naam],". Only after a greeting word at the start of the text, a line or a
    sentence, and only capitalised words: "Dag allemaal" and "Hallo Gemeente" stay."""
    marked = text.str.replace_all(_NOT_NAME, "${1}" + _KEEP + "${2}")
    return marked.str.replace_all(_GREETED, "${1}" + NAME).str.replace_all(_KEEP, "", literal=True)


def mask_greetings_in(texts: pl.Series) -> pl.Series:
    """`texts` with `mask_greetings` applied to those that hold a greeting word (a search for a few words is
    far quicker than the greeting rules, and most texts greet no one)."""
    rows = texts.str.contains(_GREETING_WORD).fill_null(False).arg_true()
    if rows.is_empty():
        return texts
    greeted = texts.gather(rows).to_frame("text").select(mask_greetings(pl.col("text"))).to_series()
    return texts.clone().scatter(rows, greeted)


def mask_texts(texts: pl.Series) -> pl.Series:
    """`texts` with everything `mask_contacts` and `mask_greetings` mask."""
    return mask_greetings_in(texts.to_frame("text").select(mask_contacts(pl.col("text"))).to_series()).alias(texts.name)
