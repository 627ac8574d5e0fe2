"""Does a post ask for a reply? Text signals only; whether it is addressed to the municipality (mentions an
own account, replies under its posts) is decided by the webcare metrics, which read these flags.

- a question: a question mark, or a clause opening with a question word or request (hoe, wanneer, waarom,
  waar, wie, welke, kan ik, kunnen jullie, mag ik, weet iemand, graag …);
- a complaint: a negative post (sentiment) that names something that is wrong or not done (kapot, overlast,
  niet opgehaald, nog steeds, al weken, klacht …)."""

from __future__ import annotations

import polars as pl

_QUESTION = (
    r"\?|(?:^|[.!:;]\s*|\n\s*)(?:hoe|wanneer|waarom|waar|wie|welke|wat moet|kan ik|kunnen jullie|kun je|kunt u"
    r"|mag ik|weet iemand|is het mogelijk|graag|gaarne|zou u|zouden jullie)\b"
)
_COMPLAINT = (
    r"\b(?:kapot|stuk|defect|overlast|stank|lawaai|herrie|lekt|lekkage|verstopt|storing|klacht|klachten|klagen"
    r"|niet opgehaald|niet gemaakt|niet gerepareerd|niet bereikbaar|geen reactie|geen antwoord|nog steeds|al weken"
    r"|al maanden|alweer|weer eens|gevaarlijk|onveilig|vies|smerig|zwerfvuil|gat in de weg|schandalig|schande"
    r"|belachelijk|onacceptabel|wachten|wacht al)\b"
)


def reply_flags(texts: pl.Series, sentiment_label: pl.Series) -> pl.DataFrame:
    """One row per text: is_question, is_complaint."""
    frame = pl.DataFrame({"text": texts.fill_null("").str.to_lowercase(), "label": sentiment_label})
    return frame.select(
        is_question=pl.col("text").str.contains(_QUESTION),
        is_complaint=(pl.col("label") == "negatief") & pl.col("text").str.contains(_COMPLAINT),
    )
