"""Sentiment quality against human labels: accuracy, per-label and macro F1, and the confusion matrix."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..errors import UserError
from ..labels import LABELS, dutch_label


@dataclass(frozen=True)
class Report:
    n: int
    accuracy: float
    f1: dict[str, float]  # per label
    macro_f1: float  # the unweighted mean of the per-label F1
    confusion: pl.DataFrame  # a row per true label, a column per predicted label


def evaluate(gold: list[str], predicted: list[str], labels: tuple[str, ...] = LABELS) -> Report:
    """Compare predicted labels with human (gold) labels."""
    pairs = pl.DataFrame({"gold": gold, "predicted": predicted}, schema={"gold": pl.String, "predicted": pl.String})
    counts = {(g, p): n for g, p, n in pairs.group_by("gold", "predicted").len().iter_rows()}
    f1 = {}
    for label in labels:
        tp = counts.get((label, label), 0)
        predicted_n = sum(n for (_, p), n in counts.items() if p == label)
        gold_n = sum(n for (g, _), n in counts.items() if g == label)
        f1[label] = 2 * tp / (predicted_n + gold_n) if predicted_n + gold_n else 0.0
    confusion = pl.DataFrame({"label": list(labels), **{p: [counts.get((g, p), 0) for g in labels] for p in labels}})
    n = pairs.height
    return Report(n, sum(counts.get((label, label), 0) for label in labels) / n if n else 0.0, f1,
                  sum(f1.values()) / len(labels), confusion)


HELD_OUT_EVERY = 3  # about one labelled text in three is held out


def held_out(text: str) -> bool:
    """Whether a labelled text belongs to the held-out part, which is only measured, never tuned on: when
    the SHA-256 of its UTF-8 bytes, read as a number, is divisible by HELD_OUT_EVERY. The split depends on
    the text alone (labelled files need no id column), so it is the same on every machine, in any row
    order, and a text never changes part."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big") % HELD_OUT_EVERY == 0


def split(texts: list[str], gold: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    """{"dev": (texts, labels), "held-out": (texts, labels)}: the labelled texts split by `held_out`, in
    their order."""
    parts: dict[str, tuple[list[str], list[str]]] = {"dev": ([], []), "held-out": ([], [])}
    for text, label in zip(texts, gold, strict=True):
        part = parts["held-out" if held_out(text) else "dev"]
        part[0].append(text)
        part[1].append(label)
    return parts


def read_labels(path: str | Path, text_column: str = "text", label_column: str = "label"
                ) -> tuple[list[str], list[str], list[str]]:
    """(texts, Dutch labels, problems as file:line: reason) from a CSV of labelled texts; rows with an
    unknown label or no text are skipped."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    texts, gold, problems = [], [], []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in (text_column, label_column) if c not in (reader.fieldnames or [])]
        if missing:
            raise UserError(f"{path}:1: no column {', '.join(map(repr, missing))} "
                            f"(columns: {', '.join(reader.fieldnames or [])}); use --text-column / --label-column")
        for row in reader:
            text = row.get(text_column) or ""
            try:
                label = dutch_label(row.get(label_column) or "")
            except ValueError as exc:
                problems.append(f"{path}:{reader.line_num}: {exc}")
                continue
            if not text.strip():
                problems.append(f"{path}:{reader.line_num}: empty text")
                continue
            texts.append(text)
            gold.append(label)
    return texts, gold, problems
