"""Optional sentiment backend: a Hugging Face text-classification model that a user has saved in a folder,
such as a Dutch RoBERTa sentiment model, with the mapping of its labels onto negatief/neutraal/positief.

It needs the optional packages (`luisterpost[model]`: transformers) and PyTorch. Only this module imports them,
and only when the config asks for the model backend. Nothing is downloaded: the model is read from its folder.

Per text the model's probabilities are added up per Luisterpost label (a five-star model can map 1–2 stars to
negatief). The label is the most probable one. The score is P(positief) − P(negatief), so it stays in −1..1 like the
vocabulary's score. The evidence names the model and the three probabilities, so a reader sees why a post counts
as negative."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ..config import SentimentSettings
from ..errors import UserError
from ..labels import LABELS, dutch_label
from .sentiment import HANDLES, LINKS

INSTALL = ("the model backend needs the optional packages and PyTorch: "
           "pip install 'luisterpost[model]' torch (the CPU build of torch is enough)")


@dataclass(frozen=True)
class ModelScorer:
    """Scores texts with a loaded model. `source` is what enrichments store as their sentiment source and
    `fingerprint` changes when the model's files, the label mapping or the length read change."""

    source: str
    fingerprint: str
    groups: np.ndarray  # (model labels × 3): which Luisterpost label each model label counts for
    batch_size: int
    max_length: int
    tokenizer: Any
    model: Any

    def score_frame(self, texts: pl.Series) -> pl.DataFrame:
        """One row per text, in order: sentiment_label, sentiment_score (−1..1, 3 decimals) and
        sentiment_evidence (a list with the model's name and its probabilities)."""
        import torch

        # Social-media models are trained on texts with handles and links replaced like this.
        texts = texts.fill_null("").str.replace_all(LINKS, "http").str.replace_all(HANDLES, "@user").str.strip_chars()
        # Texts of similar length share a batch, so little time goes to padding.
        lengths = texts.str.len_chars().to_numpy()
        order = [i for i in np.argsort(-lengths, kind="stable") if lengths[i] > 0]
        probabilities = np.zeros((len(texts), len(LABELS)))
        probabilities[:, LABELS.index("neutraal")] = 1.0  # an empty text says nothing
        values = texts.to_list()
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                rows = order[start:start + self.batch_size]
                encoded = self.tokenizer([values[i] for i in rows], padding=True, truncation=True,
                                         max_length=self.max_length, return_tensors="pt")
                logits = self.model(**encoded).logits.float()
                probabilities[rows] = logits.softmax(dim=-1).numpy() @ self.groups
        frame = pl.DataFrame(probabilities, schema=list(LABELS), orient="row").with_columns(read=lengths > 0)
        percent = [(pl.col(label) * 100).round().cast(pl.Int64) for label in LABELS]
        return frame.select(
            sentiment_label=pl.concat_list(LABELS).list.arg_max().replace_strict(range(len(LABELS)), LABELS,
                                                                                return_dtype=pl.String),
            sentiment_score=(pl.col("positief") - pl.col("negatief")).round(3),
            sentiment_evidence=pl.when("read").then(pl.concat_list(pl.format(
                f"{self.source}: negatief {{}}%, neutraal {{}}%, positief {{}}%", *percent)))
            .otherwise(pl.lit([], pl.List(pl.String))),  # an empty text was not read: nothing to explain
        )


def load_model(settings: SentimentSettings, base_dir: Path) -> ModelScorer:
    """Load the model the settings name (relative to `base_dir`, the config's folder) and check its label
    mapping. Raises UserError naming the config key when the packages, the folder or a label is missing."""
    folder = (base_dir / (settings.model or "")).resolve()
    if not folder.is_dir():
        raise UserError(f"sentiment.model: no model folder at {folder}")
    try:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging as transformers_logging
    except ImportError:
        raise UserError(f"sentiment.backend = \"model\": {INSTALL}") from None
    transformers_logging.disable_progress_bar()  # progress bars would fill the nightly flow's log
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"sentiment.model: {folder} cannot be read as a text-classification model: {exc}") from None
    if settings.threads:
        torch.set_num_threads(settings.threads)
    model.eval()
    names = [model.config.id2label[i] for i in range(model.config.num_labels)]
    mapping = label_mapping(names, settings.labels)
    groups = np.zeros((len(names), len(LABELS)))
    for row, name in enumerate(names):
        groups[row, LABELS.index(mapping[name])] = 1.0
    # Never more tokens than the model has positions for: longer input would fail, not be cut.
    max_length = min(settings.max_length, tokenizer.model_max_length,
                     getattr(model.config, "max_position_embeddings", settings.max_length))
    return ModelScorer(
        source=f"model {folder.name}",
        fingerprint=_fingerprint(folder, mapping, max_length),
        groups=groups, batch_size=settings.batch_size, max_length=max_length,
        tokenizer=tokenizer, model=model,
    )


def label_mapping(names: list[str], configured: dict[str, str]) -> dict[str, str]:
    """Luisterpost's label for each of the model's labels: from the config, or from the label's own name when it
    is negative/neutral/positive (or Dutch). Raises UserError naming labels that are unmapped or unknown."""
    unknown = sorted(set(configured) - set(names))
    if unknown:
        raise UserError(f"sentiment.labels: the model has no label {unknown[0]!r} (its labels: {', '.join(names)})")
    mapping: dict[str, str] = {}
    for name in names:
        if name in configured:
            mapping[name] = configured[name]
            continue
        try:
            mapping[name] = dutch_label(name)
        except ValueError:
            raise UserError(f"sentiment.labels: the model's label {name!r} has no mapping; add for example "
                            f"{name} = \"negatief\" (its labels: {', '.join(names)})") from None
    return mapping


def _fingerprint(folder: Path, mapping: dict[str, str], max_length: int) -> str:
    digest = hashlib.sha256(repr((sorted(mapping.items()), max_length)).encode())
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        with file.open("rb") as handle:
            digest.update(f"{file.relative_to(folder)} {hashlib.file_digest(handle, 'sha256').hexdigest()}".encode())
    return digest.hexdigest()[:16]
