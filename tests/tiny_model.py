"""Tiny text-classification models, built and saved locally for the model-backend tests (no hub access).

`first_word_model`: the class follows the text's first word: "goed" → the third label, "slecht" → the first, any
other word → the second. It has no transformer layers: the first token's embedding goes through the pooler to the
classifier, with weights set by hand so the outcome is known. `constant_model` gives the same probabilities for any
text. Both are real BERT sequence classifiers with a real tokenizer, saved and loaded the way a downloaded model is."""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

VOCABULARY = ["[PAD]", "[UNK]", "goed", "slecht", "nieuws", "zo", "weer"]


def _save(folder: Path, labels: list[str], setup) -> Path:  # noqa: ANN001 - setup(model) sets the weights
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(VOCABULARY)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    config = BertConfig(vocab_size=len(VOCABULARY), hidden_size=4, num_hidden_layers=0, num_attention_heads=1,
                        intermediate_size=4, max_position_embeddings=64, num_labels=len(labels),
                        id2label=dict(enumerate(labels)), label2id={n: i for i, n in enumerate(labels)})
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
        model.bert.embeddings.LayerNorm.weight.fill_(1.0)
        model.bert.pooler.dense.weight.copy_(torch.eye(4))
        setup(model)
    model.save_pretrained(folder)
    PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]").save_pretrained(folder)
    return folder


def first_word_model(folder: Path, labels: list[str]) -> Path:
    """Save a three-label model whose class follows the first word (see the module docstring)."""

    def setup(model: BertForSequenceClassification) -> None:
        words = model.bert.embeddings.word_embeddings.weight
        words[VOCABULARY.index("goed")] = torch.tensor([1.0, -1.0, 0.0, 0.0])
        words[VOCABULARY.index("slecht")] = torch.tensor([-1.0, 1.0, 0.0, 0.0])
        for word in ("[UNK]", "nieuws", "zo", "weer"):
            words[VOCABULARY.index(word)] = torch.tensor([0.0, 0.0, 1.0, -1.0])
        model.classifier.weight.copy_(torch.tensor([[0.0, 5.0, 0.0, 0.0],    # first label: "slecht"
                                                    [0.0, 0.0, 5.0, 0.0],    # second label: anything else
                                                    [5.0, 0.0, 0.0, 0.0]]))  # third label: "goed"

    return _save(folder, labels, setup)


def constant_model(folder: Path, probabilities: dict[str, float]) -> Path:
    """Save a model that gives these probabilities (label → p, summing to 1) for every text."""

    def setup(model: BertForSequenceClassification) -> None:
        model.classifier.bias.copy_(torch.log(torch.tensor(list(probabilities.values()))))

    return _save(folder, list(probabilities), setup)
