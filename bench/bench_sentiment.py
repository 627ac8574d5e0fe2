"""Benchmark and evaluation of the sentiment scorer on real Dutch text (needs ../shared beside the project).

Quality (issue 4): macro-F1 on the 198 human-labelled tweets in ../shared/data/sentiment-dev/ (goal ≥ 0.62),
beside a naive baseline: the mean of the Pattern lexicon's word polarities.
Speed (issue 4): ≥ 20,000 mentions/s on one core, scoring the real tweets in ../shared/data/nl-party-tweets/.
Run: .venv/bin/python bench/bench_sentiment.py
"""

from __future__ import annotations

import csv
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from luisterpost.enrich.evaluate import evaluate  # noqa: E402
from luisterpost.enrich.sentiment import score_frame  # noqa: E402
from luisterpost.paths import data_file  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LABELS = {"negative": "negatief", "neutral": "neutraal", "positive": "positief"}


def pattern_table() -> dict[str, float]:
    """The shipped Pattern table as it is: word → polarity."""
    table = {}
    for line in data_file("lexicon_nl.tsv").read_text(encoding="utf-8").splitlines():
        if not line.startswith(("#", "word\t")):
            word, polarity, *_ = line.split("\t")
            table[word] = float(polarity)
    return table


def naive(text: str, table: dict[str, float]) -> str:
    """The baseline: the mean polarity of the Pattern lexicon's words in the text, no rules."""
    hits = [table[w] for w in re.findall(r"[^\W\d_]+", text.lower()) if w in table]
    value = sum(hits) / len(hits) if hits else 0.0
    return "positief" if value >= 0.1 else "negatief" if value <= -0.1 else "neutraal"


def main() -> None:
    dev = SHARED / "sentiment-dev" / "mp-tweets-polarity-dev.csv"
    tweets = SHARED / "nl-party-tweets" / "party-tweets-dev.csv"
    if not dev.exists() or not tweets.exists():
        sys.exit(f"needs {dev} and {tweets}")
    with dev.open(encoding="utf-8") as handle:
        rows = [(r["text"], LABELS[r["label"]]) for r in csv.DictReader(handle)]
    table = pattern_table()
    texts = [t for t, _ in rows]
    for name, predicted in (("naive lexicon mean", [naive(t, table) for t in texts]),
                            ("luisterpost", score_frame(texts)["sentiment_label"].to_list())):
        report = evaluate([g for _, g in rows], predicted)
        print(f"{name:<20} macro-F1 {report.macro_f1:.3f}  accuracy {report.accuracy:.3f}  (n = {report.n})")
    with tweets.open(encoding="utf-8") as handle:
        texts = [r["Tweet"] for r in csv.DictReader(handle)]
    rounds = max(1, 100_000 // len(texts))
    started = time.process_time()
    score_frame(texts * rounds)
    seconds = time.process_time() - started
    total = rounds * len(texts)
    chars = sum(map(len, texts)) / len(texts)
    print(f"speed               {total / seconds:,.0f} mentions/s on one core "
          f"({total:,} real tweets of {chars:.0f} characters on average, {seconds:.2f} s CPU)")


if __name__ == "__main__":
    main()
