"""Sentiment quality figures on given labels → expected accuracy, F1 and confusion matrix."""

from __future__ import annotations

import pytest

from luisterpost.enrich.evaluate import evaluate


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
