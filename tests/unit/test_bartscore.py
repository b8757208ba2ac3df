"""BARTScore against a tiny randomly initialised BART written to a temporary directory."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from routed_llm.errors import ConfigurationError
from routed_llm.training.bartscore import BARTScore

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

CORPUS = ["the cat sat on the mat", "a dog ran in the park", "summaries are short and clear"]


@pytest.fixture(scope="module")
def tiny_bart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tokenizers import ByteLevelBPETokenizer

    directory = tmp_path_factory.mktemp("tiny-bart")
    trainer = ByteLevelBPETokenizer()
    trainer.train_from_iterator(CORPUS, vocab_size=300, min_frequency=1,
                                special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    trainer.save_model(str(directory))
    vocab = json.loads((directory / "vocab.json").read_text())
    merges = [tuple(line.split()) for line in (directory / "merges.txt").read_text().splitlines()[1:] if line]
    tokenizer = transformers.BartTokenizer(vocab=vocab, merges=merges)
    tokenizer.save_pretrained(directory)
    torch.manual_seed(0)
    config = transformers.BartConfig(
        vocab_size=len(tokenizer), d_model=16, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
        max_position_embeddings=64, pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, decoder_start_token_id=tokenizer.eos_token_id,
    )
    transformers.BartForConditionalGeneration(config).save_pretrained(directory)
    return directory


SOURCES = ["the cat sat on the mat", "a dog ran", "summaries are short and clear, the cat sat"]
OUTPUTS = ["the cat", "a dog ran in the park today", "short"]


def test_scores_are_log_likelihoods_at_most_zero(tiny_bart: Path) -> None:
    scores = BARTScore(str(tiny_bart), batch_size=2).score(SOURCES, OUTPUTS)
    assert scores.shape == (3,)
    assert np.all(np.isfinite(scores)) and np.all(scores <= 0)


def test_batching_and_padding_do_not_change_scores(tiny_bart: Path) -> None:
    one = BARTScore(str(tiny_bart), batch_size=1).score(SOURCES, OUTPUTS)
    three = BARTScore(str(tiny_bart), batch_size=3).score(SOURCES, OUTPUTS)
    np.testing.assert_allclose(one, three, atol=1e-5)


def test_mean_score_is_minus_the_models_own_loss(tiny_bart: Path) -> None:
    tokenizer = transformers.AutoTokenizer.from_pretrained(tiny_bart)
    model = transformers.AutoModelForSeq2SeqLM.from_pretrained(tiny_bart).eval()
    source, output = SOURCES[0], OUTPUTS[1]
    with torch.inference_mode():
        loss = model(**tokenizer([source], return_tensors="pt"), labels=tokenizer([output], return_tensors="pt").input_ids).loss
    score = BARTScore(str(tiny_bart)).score([source], [output])
    assert score[0] == pytest.approx(-float(loss), abs=1e-5)


def test_sum_is_mean_times_the_output_length(tiny_bart: Path) -> None:
    tokenizer = transformers.AutoTokenizer.from_pretrained(tiny_bart)
    mean = BARTScore(str(tiny_bart)).score(SOURCES, OUTPUTS)
    total = BARTScore(str(tiny_bart), reduction="sum").score(SOURCES, OUTPUTS)
    lengths = np.array([len(tokenizer(o).input_ids) for o in OUTPUTS])
    np.testing.assert_allclose(total, mean * lengths, rtol=1e-5)


def test_bad_inputs_and_checkpoints_name_the_field(tmp_path: Path, tiny_bart: Path) -> None:
    with pytest.raises(ConfigurationError, match="outputs"):
        BARTScore(str(tiny_bart)).score(["a"], ["b", "c"])
    with pytest.raises(ConfigurationError, match="reduction"):
        BARTScore(str(tiny_bart), reduction="max").score(["a"], ["b"])  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="checkpoint"):
        BARTScore(str(tmp_path / "missing")).score(["a"], ["b"])


def test_construction_loads_nothing() -> None:
    scorer = BARTScore("/nonexistent/path")
    assert "nonexistent" in repr(scorer)
