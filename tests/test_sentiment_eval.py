"""Sentiment quality figures on given labels → expected accuracy, F1 and confusion matrix; the deterministic
split of labelled texts into a dev and a held-out part; the quality goals on the human-labelled tweets."""

from __future__ import annotations

import pytest

from luisterpost.enrich.evaluate import evaluate, held_out, read_labels, split
from luisterpost.enrich.sentiment import score_frame

from .conftest import SHARED

DEV_TWEETS = SHARED / "sentiment-dev" / "mp-tweets-polarity-dev.csv"


def test_accuracy_macro_f1_and_confusion_matrix():
    gold = ["negatief", "negatief", "neutraal", "neutraal", "positief", "positief"]
    predicted = ["negatief", "neutraal", "neutraal", "neutraal", "positief", "negatief"]
    report = evaluate(gold, predicted)
    assert report.n == 6 and report.accuracy == pytest.approx(4 / 6)
    # negatief: precision 1/2, recall 1/2; neutraal: 2/3 and 1; positief: 1 and 1/2.
    assert report.f1 == pytest.approx({"negatief": 0.5, "neutraal": 0.8, "positief": 2 / 3})
    assert report.macro_f1 == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    assert report.confusion.rows() == [("negatief", 1, 1, 0), ("neutraal", 0, 2, 0), ("positief", 1, 0, 1)]


def test_a_label_never_predicted_scores_zero():
    report = evaluate(["positief", "negatief"], ["negatief", "negatief"])
    assert report.f1["positief"] == 0.0 and report.f1["neutraal"] == 0.0


def test_the_held_out_split_depends_on_the_text_alone():
    texts = ["mooi", "slecht", "Wat een mooi park!", "a", "b"]
    gold = ["positief", "negatief", "positief", "neutraal", "neutraal"]
    # SHA-256 of the text divisible by 3: "slecht" and "Wat een mooi park!" are held out.
    assert [held_out(t) for t in texts] == [False, True, True, False, False]
    assert split(texts, gold) == {"dev": (["mooi", "a", "b"], ["positief", "neutraal", "neutraal"]),
                                  "held-out": (["slecht", "Wat een mooi park!"], ["negatief", "positief"])}
    backwards = split(texts[::-1], gold[::-1])  # the row order does not move a text to the other part
    assert backwards["held-out"] == (["Wat een mooi park!", "slecht"], ["positief", "negatief"])


@pytest.mark.skipif(not DEV_TWEETS.exists(), reason="needs ../shared/data/sentiment-dev")
def test_quality_on_the_dev_and_held_out_parts_of_the_labelled_tweets():
    texts, gold, problems = read_labels(DEV_TWEETS)
    assert problems == []
    parts = split(texts, gold)
    assert (len(parts["dev"][0]), len(parts["held-out"][0])) == (129, 69)
    dev, held = (evaluate(labels, score_frame(part)["sentiment_label"].to_list()) for part, labels in parts.values())
    assert dev.macro_f1 >= 0.62 and held.macro_f1 >= 0.60
