"""The optional model backend: loading a saved text-classification model, mapping its labels, scoring batches,
enrichment with it, and the errors a user can make. The models are tiny ones the tests build (tiny_model.py)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import polars as pl
import pytest

pytest.importorskip("torch", reason="the model backend needs PyTorch (make installs the CPU build when available)")
pytest.importorskip("transformers", reason="the model backend needs the 'model' extra (transformers)")

from luisterpost.config import load_config  # noqa: E402
from luisterpost.enrich.run import LEXICON, enrich_pending, fingerprint, scorer_for  # noqa: E402
from luisterpost.errors import UserError  # noqa: E402
from luisterpost.metrics.load import load_mentions  # noqa: E402
from luisterpost.store.corrections import correction, store  # noqa: E402

from .test_enrichment import PARKS, add_mentions, run_cli  # noqa: E402
from .tiny_model import constant_model, first_word_model  # noqa: E402

NUMBERED = 'labels = { LABEL_0 = "negative", LABEL_1 = "neutraal", LABEL_2 = "Positief" }'


@pytest.fixture
def model_config(tmp_path, write_config):
    """Write a config that uses a first-word model saved beside it; returns a function (extra TOML) → path."""
    first_word_model(tmp_path / "tiny", ["LABEL_0", "LABEL_1", "LABEL_2"])

    def write(sentiment: str = NUMBERED) -> object:
        return write_config(f'[storage]\ndatabase = "db.duckdb"\n[sentiment]\nbackend = "model"\nmodel = "tiny"\n'
                            f"batch_size = 2\n{sentiment}\n")

    return write


def test_a_saved_model_scores_a_batch_in_order_with_its_labels_mapped(model_config):
    scorer = scorer_for(load_config(model_config()))
    texts = pl.Series(["Goed zo", "slecht nieuws van @gemeente https://example.org/x", "weer", "", None,
                       "slecht " * 600, "GOED", "nieuws goed"])
    result = scorer.score_frame(texts)
    assert result["sentiment_label"].to_list() == ["positief", "negatief", "neutraal", "neutraal", "neutraal",
                                                   "negatief", "positief", "neutraal"]
    scores = result["sentiment_score"].to_list()
    assert scores[0] > 0.9 and scores[1] < -0.9 and scores[2] == scores[3] == 0.0
    assert result["sentiment_evidence"][0].to_list() == ["model tiny: negatief 0%, neutraal 1%, positief 99%"]
    assert result["sentiment_evidence"][3].to_list() == []  # an empty text is not read, so nothing explains it
    assert scorer.source == "model tiny"


def test_probabilities_are_added_up_per_label(tmp_path):
    """A five-star model: the most probable star (1, 40%) loses to 4 + 5 stars (50%) once they are mapped."""
    from luisterpost.config import SentimentSettings
    from luisterpost.enrich.model import load_model

    constant_model(tmp_path / "stars", {"1 star": 0.4, "2 stars": 0.05, "3 stars": 0.05, "4 stars": 0.2,
                                        "5 stars": 0.3})
    settings = SentimentSettings(backend="model", model="stars", labels={
        "1 star": "negatief", "2 stars": "negatief", "3 stars": "neutraal", "4 stars": "positief", "5 stars": "positief"})
    row = load_model(settings, tmp_path).score_frame(pl.Series(["wat dan ook"])).row(0, named=True)
    assert row["sentiment_label"] == "positief" and row["sentiment_score"] == 0.05
    assert row["sentiment_evidence"] == ["model stars: negatief 45%, neutraal 5%, positief 50%"]


def test_label_names_that_say_it_need_no_mapping(tmp_path, write_config):
    first_word_model(tmp_path / "named", ["NEGATIVE", "Neutral", "positief"])
    scorer = scorer_for(load_config(write_config('[sentiment]\nbackend = "model"\nmodel = "named"\n')))
    assert scorer.score_frame(pl.Series(["slecht", "goed"]))["sentiment_label"].to_list() == ["negatief", "positief"]


@pytest.mark.parametrize(
    ("sentiment", "message"),
    [
        ('labels = { LABEL_0 = "negatief", LABEL_1 = "neutraal" }',
         "sentiment.labels: the model's label 'LABEL_2' has no mapping; add for example LABEL_2 = \"negatief\""),
        ('labels = { LABEL_0 = "negatief", LABEL_1 = "neutraal", LABEL_2 = "positief", LABEL_3 = "positief" }',
         "sentiment.labels: the model has no label 'LABEL_3' (its labels: LABEL_0, LABEL_1, LABEL_2)"),
    ],
)
def test_a_label_mapping_that_does_not_fit_the_model_is_named(model_config, sentiment, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        scorer_for(load_config(model_config(sentiment)))


def test_config_mistakes_are_named_with_their_key(write_config, tmp_path):
    with pytest.raises(UserError, match=r"sentiment: backend 'model' needs model = "):
        load_config(write_config('[sentiment]\nbackend = "model"\n'))
    with pytest.raises(UserError, match=r"sentiment.labels: LABEL_0: label 'boos' is not one of negatief"):
        load_config(write_config('[sentiment]\nbackend = "model"\nmodel = "m"\nlabels = { LABEL_0 = "boos" }\n'))
    with pytest.raises(UserError, match=r"sentiment.backend: "):
        load_config(write_config('[sentiment]\nbackend = "bert"\n'))
    with pytest.raises(UserError, match=r"sentiment.model: no model folder at .*nergens"):
        scorer_for(load_config(write_config('[sentiment]\nbackend = "model"\nmodel = "nergens"\n')))
    (tmp_path / "kapot").mkdir()
    (tmp_path / "kapot" / "config.json").write_text("{niet: json", encoding="utf-8")
    with pytest.raises(UserError, match=r"sentiment.model: .*kapot cannot be read as a text-classification model"):
        scorer_for(load_config(write_config('[sentiment]\nbackend = "model"\nmodel = "kapot"\n')))


def test_enrichment_with_the_model_is_stored_with_its_source_and_redone_when_the_scorer_changes(db, model_config,
                                                                                                 tmp_path):
    config = load_config(model_config())
    scorer = scorer_for(config)
    add_mentions(db, ("mastodon", "1", "goed nieuws over het park", None), ("mastodon", "2", "slecht", None))
    assert enrich_pending(db, PARKS, scorer) == 2
    assert enrich_pending(db, PARKS, scorer) == 0
    rows = db.execute("SELECT id, sentiment_label, sentiment_source, themes FROM enrichments ORDER BY id").fetchall()
    assert rows == [("1", "positief", "model tiny", ["groen"]), ("2", "negatief", "model tiny", [])]
    # A correction still wins over the model.
    store(db, [correction(config, "mastodon", "2", "neutraal", None, None, None, None)])
    month = load_mentions(db, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert month.sort("id")["sentiment_label"].to_list() == ["positief", "neutraal"]
    # Back to the vocabulary, or another model: everything is redone.
    assert fingerprint(PARKS, scorer) != fingerprint(PARKS, LEXICON)
    assert enrich_pending(db, PARKS, LEXICON) == 2
    assert db.execute("SELECT DISTINCT sentiment_source FROM enrichments").fetchall() == [("regels",)]
    first_word_model(tmp_path / "tiny", ["LABEL_2", "LABEL_1", "LABEL_0"])  # retrained: other weights order
    retrained = scorer_for(config)
    assert retrained.fingerprint != scorer.fingerprint
    assert enrich_pending(db, PARKS, retrained) == 2


def test_sentiment_commands_use_the_configured_model(model_config, tmp_path):
    config = str(model_config())
    done = run_cli("--config", config, "sentiment", "score", "slecht weer")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["negatief -0.988", "  model tiny: negatief 99%, neutraal 1%, positief 0%"]
    labels = tmp_path / "labels.csv"
    labels.write_text("text,label\ngoed zo,positive\nslecht weer,negative\nweer,neutral\nzo goed,positive\n",
                      encoding="utf-8")
    done = run_cli("--config", config, "sentiment", "eval", "--labels", str(labels))
    assert done.returncode == 0, done.stderr
    assert "scorer     model tiny" in done.stdout and "accuracy   0.750" in done.stdout


def test_without_the_packages_the_message_says_what_to_install(model_config):
    config = str(model_config())
    # torch = None in sys.modules makes `import torch` fail, as on a machine without it.
    program = ("import sys; sys.modules['torch'] = None; sys.argv = ['luisterpost', '--config', sys.argv[1], "
               "'sentiment', 'score', 'goed']; from luisterpost.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", program, config], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "pip install 'luisterpost[model]' torch" in done.stderr
