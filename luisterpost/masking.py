"""Masking what could identify a person in a post's text, beyond the @handles the pseudonymiser replaces
(metrics.privacy): e-mail addresses, links and phone numbers become a fixed placeholder.

Masking runs before handles are pseudonymised: an e-mail address ("jan@voorbeeld.nl") or a profile link
("https://social.example/@jan") holds an @ that would otherwise be read as a handle, leaving part of it."""

from __future__ import annotations

import polars as pl

EMAIL = "[e-mail]"
LINK = "[link]"
PHONE = "[telefoon]"

# Each pattern is a Rust regex (Polars), applied in this order.
PATTERNS = (
    (r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}", EMAIL),
    (r"(?i)\b(?:https?://|www\.)[^\s<>\"']+", LINK),
    # Dutch numbers (06-12345678, 020 123 4567, +31 6 1234 5678, 0031 (0)20 1234567) and other international
    # ones (+44 20 7946 0958): a leading 0, +CC or 00CC, then the digits with single spaces or dashes between.
    (r"(?:\+|\b00)\d{1,3}[ \-]?(?:\(0\)[ \-]?)?\d(?:[ \-]?\d){6,11}\b", PHONE),
    (r"\b0\d(?:[ \-]?\d){8}\b", PHONE),
)


def mask_contacts(text: pl.Expr) -> pl.Expr:
    """`text` with e-mail addresses, links (http(s):// or www.) and phone numbers replaced by placeholders."""
    for pattern, placeholder in PATTERNS:
        text = text.str.replace_all(pattern, placeholder)
    return text
