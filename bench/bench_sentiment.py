"""Benchmark and evaluation of the sentiment scorer on real Dutch text (needs ../shared beside the project).

Quality: macro-F1 on the 198 human-labelled tweets in ../shared/data/sentiment-dev/, beside a naive
baseline (the mean of the Pattern lexicon's word polarities). The tweets are split deterministically by
the SHA-256 of their text (`luisterpost.enrich.evaluate.held_out`: divisible by 3, so about a third):
the dev part (129 tweets) is the one to look at and tune on, goal ≥ 0.62; the held-out part (69 tweets)
is only measured, to see whether what was tuned on dev holds for texts not looked at, goal ≥ 0.60.
All 198 are reported too, as `luisterpost sentiment eval` gives them.
Speed: enrichment (sentiment, themes and woonkernen of the demo municipality, language, needs-a-reply)
≥ 20,000 mentions/s on one core (Polars limited to one thread; CPU time), on the real tweets in
../shared/data/nl-party-tweets/, repeated to about 100,000.
Run: .venv/bin/python bench/bench_sentiment.py [--mentions 100000]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
from pathlib import Path

os.environ["POLARS_MAX_THREADS"] = "1"  # one core: before Polars is first imported
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

from luisterpost.config import load_config  # noqa: E402
from luisterpost.enrich.run import enrich_frame, matcher_for  # noqa: E402
from luisterpost.paths import resource_dir  # noqa: E402

from luisterpost.enrich.evaluate import evaluate, read_labels, split  # noqa: E402
from luisterpost.enrich.sentiment import score_frame  # noqa: E402
from luisterpost.paths import data_file  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


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
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mentions", type=int, default=100_000, help="about this many mentions for the speed runs")
    args = parser.parse_args()
    dev = SHARED / "sentiment-dev" / "mp-tweets-polarity-dev.csv"
    tweets = SHARED / "nl-party-tweets" / "party-tweets-dev.csv"
    if not dev.exists() or not tweets.exists():
        sys.exit(f"needs {dev} and {tweets}")
    texts, gold, _ = read_labels(dev)
    table = pattern_table()
    parts = {**split(texts, gold), "all": (texts, gold)}
    for name, scorer in (("naive lexicon mean", lambda ts: [naive(t, table) for t in ts]),
                         ("luisterpost", lambda ts: score_frame(ts)["sentiment_label"].to_list())):
        for part, (part_texts, part_gold) in parts.items():
            report = evaluate(part_gold, scorer(part_texts))
            print(f"{name:<20}{part:<10} macro-F1 {report.macro_f1:.3f}  accuracy {report.accuracy:.3f}  "
                  f"(n = {report.n})")
    with tweets.open(encoding="utf-8") as handle:
        texts = [r["Tweet"] for r in csv.DictReader(handle)]
    rounds = max(1, args.mentions // len(texts))
    batch = pl.Series("text", (texts * rounds)[:max(args.mentions, 1)])
    total = batch.len()
    chars = sum(map(len, texts)) / len(texts)
    matcher = matcher_for(load_config(resource_dir("examples") / "lindeveen.toml"))
    enrich_frame(batch.head(100), None, matcher)  # loads the vocabulary and the language model once
    for name, run in (("sentiment only", lambda: score_frame(batch)),
                      ("enrichment", lambda: enrich_frame(batch, None, matcher))):
        started = time.process_time()
        run()
        seconds = time.process_time() - started
        print(f"{name:<20}{total / seconds:,.0f} mentions/s on one core "
              f"({total:,} real tweets of {chars:.0f} characters on average, {seconds:.2f} s CPU)")


if __name__ == "__main__":
    main()
