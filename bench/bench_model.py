"""Speed of the optional model backend on real Dutch tweets (needs ../shared beside the project, and PyTorch).

No trained Dutch model can be downloaded here, and speed does not depend on what the weights are: the benchmark
builds a RoBERTa model of base size (12 layers, hidden size 768, about 125M parameters, the size of common Dutch
sentiment models) with random weights and a byte-level BPE tokenizer trained on the tweets, saves it, loads it
through the same code as a configured model, and times `score_frame` on real tweets (wall time).
Run: .venv/bin/python bench/bench_model.py [--texts 1000]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def build(folder: Path, texts: list[str]) -> None:
    """Save a base-size RoBERTa classifier (random weights) and a BPE tokenizer trained on `texts`."""
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast, RobertaConfig, RobertaForSequenceClassification

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(texts, vocab_size=30_000, special_tokens=["<s>", "<pad>", "</s>", "<unk>"])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, bos_token="<s>", eos_token="</s>",
                                        pad_token="<pad>", unk_token="<unk>", model_max_length=512)
    torch.manual_seed(0)
    config = RobertaConfig(vocab_size=30_000, max_position_embeddings=514, num_labels=3, pad_token_id=1,
                           id2label={0: "negative", 1: "neutral", 2: "positive"},
                           label2id={"negative": 0, "neutral": 1, "positive": 2})
    RobertaForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=1000)
    args = parser.parse_args()
    tweets = SHARED / "nl-party-tweets" / "party-tweets-dev.csv"
    if not tweets.exists():
        sys.exit(f"needs {tweets}")
    import polars as pl
    import torch

    from luisterpost.config import SentimentSettings
    from luisterpost.enrich.model import load_model

    with tweets.open(encoding="utf-8") as handle:
        texts = [r["Tweet"] for r in csv.DictReader(handle)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "roberta-base-random"
        build(folder, texts)
        sample = pl.Series("text", texts[: args.texts])
        chars = sum(map(len, sample)) / len(sample)
        for threads in (1, 2):
            scorer = load_model(SentimentSettings(backend="model", model=str(folder), threads=threads), Path(tmp))
            scorer.score_frame(sample.head(32))  # warm up
            started = time.perf_counter()
            scorer.score_frame(sample)
            seconds = time.perf_counter() - started
            print(f"model, {threads} thread(s): {len(sample) / seconds:,.1f} mentions/s "
                  f"({len(sample):,} real tweets of {chars:.0f} characters on average, {seconds:.1f} s; "
                  f"torch {torch.__version__}, batch {scorer.batch_size}, max_length {scorer.max_length})")


if __name__ == "__main__":
    main()
