"""The BERT classifier with a tiny randomly initialised BERT and WordPiece vocabulary."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from routed_llm.errors import ArtifactError, ConfigurationError, NotFittedError
from routed_llm.scorers import load_scorer
from routed_llm.scorers.bert import BertScorer, battle_class_indices, epoch_batches
from routed_llm.scorers.registry import resolve_scorer

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

HARD = ["prove the theorem", "derive the integral", "prove the lemma", "derive the sum of the integral"]
EASY = ["hello", "hi thanks", "what is the cat", "hello dog"]




def fitted(tiny_bert: Path, **options: object) -> BertScorer:
    prompts = (HARD + EASY) * 4
    labels = (["strong"] * len(HARD) + ["weak"] * len(EASY)) * 4
    settings = {"epochs": 6, "batch_size": 8, "learning_rate": 3e-3, "max_length": 16, **options}
    return BertScorer(str(tiny_bert), **settings).fit(prompts, labels)


def test_battle_labels_accept_names_and_indices() -> None:
    np.testing.assert_array_equal(battle_class_indices(["strong", "tie", "weak", 0, 2]), [0, 1, 2, 0, 2])
    with pytest.raises(ConfigurationError, match=r"labels\[1\]"):
        battle_class_indices(["strong", "draw"])


def test_fit_learns_the_separable_toy_task(tiny_bert: Path) -> None:
    scorer = fitted(tiny_bert)
    scores = scorer.score(HARD + EASY)
    assert scores.shape == (8,) and np.all((scores >= 0) & (scores <= 1))
    assert scores[: len(HARD)].min() > scores[len(HARD):].max()
    probabilities = scorer.predict_proba(["prove the theorem"])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_batched_scores_keep_the_callers_order(tiny_bert: Path) -> None:
    """Scoring sorts prompts by length for cheap padding; each row must still be its own prompt's."""
    scorer = fitted(tiny_bert, epochs=1)
    prompts = [prompt * (1 + row % 5) for row, prompt in enumerate((HARD + EASY) * 5)]
    one_by_one = np.concatenate([scorer.predict_proba([prompt]) for prompt in prompts])
    np.testing.assert_allclose(scorer.predict_proba(prompts), one_by_one, atol=1e-5)


def test_tie_weight_adds_a_share_of_the_tie_probability(tiny_bert: Path) -> None:
    scorer = fitted(tiny_bert, epochs=1)
    probabilities = scorer.predict_proba(EASY)
    scorer.tie_weight = 0.5
    np.testing.assert_allclose(scorer.score(EASY), probabilities[:, 0] + 0.5 * probabilities[:, 1], rtol=1e-6)


def test_progress_is_reported_per_batch(tiny_bert: Path) -> None:
    calls: list[tuple[int, int]] = []
    BertScorer(str(tiny_bert), batch_size=4, max_length=16).fit(HARD + EASY, ["strong"] * 4 + ["tie"] * 4,
                                                                   progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]


def test_length_grouped_batches_cover_every_row_once_with_like_lengths() -> None:
    lengths = list(np.random.default_rng(0).integers(1, 500, size=2_000))
    plain = epoch_batches(lengths, 16, False, torch.Generator().manual_seed(0))
    grouped = epoch_batches(lengths, 16, True, torch.Generator().manual_seed(0))
    for batches in (plain, grouped):
        assert len(batches) == 125 and sorted(row for batch in batches for row in batch) == list(range(2_000))

    def padding(batches: list[list[int]]) -> int:
        return sum(max(lengths[row] for row in batch) * len(batch) - sum(lengths[row] for row in batch)
                   for batch in batches)

    assert padding(grouped) < padding(plain) / 10
    assert grouped != epoch_batches(lengths, 16, True, torch.Generator().manual_seed(1))


def test_length_grouped_training_learns_and_is_saved(tiny_bert: Path, tmp_path: Path) -> None:
    scorer = fitted(tiny_bert, group_by_length=True, batch_size=4)
    scores = scorer.score(HARD + EASY)
    assert scores[: len(HARD)].min() > scores[len(HARD):].max()
    assert load_scorer(scorer.save_pretrained(tmp_path / "router")).get_params()["group_by_length"] is True


def test_save_load_round_trip_scores_identically(tiny_bert: Path, tmp_path: Path) -> None:
    scorer = fitted(tiny_bert, epochs=1)
    scorer.score_quantiles_ = np.linspace(0, 1, 101)
    directory = scorer.save_pretrained(tmp_path / "router")
    assert (directory / "assets" / "tokenizer" / "tokenizer_config.json").is_file()
    assert not list(directory.rglob("*.bin")) and not list(directory.rglob("*.pkl"))
    loaded = load_scorer(directory)
    assert isinstance(loaded, BertScorer)
    np.testing.assert_allclose(loaded.score(HARD + EASY), scorer.score(HARD + EASY), atol=1e-6)
    np.testing.assert_allclose(loaded.score_quantiles_, scorer.score_quantiles_)
    assert resolve_scorer(str(directory)).name == "bert"
    assert BertScorer.from_pretrained(directory).get_params() == scorer.get_params()


def test_corrupted_or_mismatched_artifacts_are_refused(tiny_bert: Path, tmp_path: Path) -> None:
    directory = fitted(tiny_bert, epochs=1).save_pretrained(tmp_path / "router")
    config_path = directory / "config.json"
    original = config_path.read_text()

    vocab = directory / "assets" / "tokenizer" / "tokenizer.json"
    vocab_text = vocab.read_text()
    vocab.write_text(vocab_text.replace("theorem", "theorum"))
    with pytest.raises(ArtifactError, match="SHA-256"):
        load_scorer(directory)
    vocab.write_text(vocab_text)

    config = json.loads(original)
    config["state"]["encoder_config"]["hidden_size"] = 64
    config_path.write_text(json.dumps(config))
    with pytest.raises(ArtifactError, match="state does not fit"):
        load_scorer(directory)

    config = json.loads(original)
    del config["assets"]
    config_path.write_text(json.dumps(config))
    with pytest.raises(ArtifactError, match="tokenizer"):
        load_scorer(directory)
    config_path.write_text(original)

    weights = directory / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(ArtifactError, match="corrupt"):
        load_scorer(directory)


def test_unfitted_scorer_refuses_to_score_or_save(tmp_path: Path) -> None:
    with pytest.raises(NotFittedError):
        BertScorer().score(["x"])
    with pytest.raises(NotFittedError):
        BertScorer().save_pretrained(tmp_path / "router")


def test_bad_options_and_inputs_name_the_field(tiny_bert: Path) -> None:
    with pytest.raises(ConfigurationError, match="max_length"):
        BertScorer(str(tiny_bert), max_length=0).fit(["a"], ["tie"])
    with pytest.raises(ConfigurationError, match="labels"):
        BertScorer(str(tiny_bert)).fit(["a", "b"], ["tie"])
    with pytest.raises(ConfigurationError, match="checkpoint"):
        BertScorer(str(tiny_bert / "missing")).fit(["a"], ["tie"])
    with pytest.raises(ConfigurationError, match="head_tokens"):
        BertScorer(str(tiny_bert), head_tokens=-1).fit(["a"], ["tie"])


PREAMBLE = "hello the cat is a dog " * 8  # 48 word pieces shared by every prompt, as few-shot examples are


def test_long_prompts_keep_their_head_and_their_tail(tiny_bert: Path) -> None:
    from routed_llm.encoders.transformers import tokenize_head_and_tail

    tokenizer = transformers.AutoTokenizer.from_pretrained(str(tiny_bert))
    short = tokenize_head_and_tail(tokenizer, ["prove the theorem", "hi"], 16, None)
    expected = tokenizer(["prove the theorem", "hi"], padding=True, return_tensors="pt")
    assert torch.equal(short["input_ids"], expected["input_ids"])
    assert torch.equal(short["attention_mask"], expected["attention_mask"])
    text = "cat dog " * 10 + "prove the theorem"
    cut = tokenize_head_and_tail(tokenizer, [text], 10, 3)["input_ids"][0].tolist()
    assert tokenizer.convert_ids_to_tokens(cut) == ["[CLS]", "cat", "dog", "cat",  # 3 from the start
                                                    "cat", "dog", "prove", "the", "theorem", "[SEP]"]
    head_only = tokenize_head_and_tail(tokenizer, [text], 10, 10)["input_ids"][0].tolist()
    assert head_only == tokenizer(text, max_length=10, truncation=True)["input_ids"]


def test_prompts_sharing_a_long_preamble_are_told_apart_by_their_question(tiny_bert: Path) -> None:
    scorer = fitted(tiny_bert, epochs=1, max_length=24)
    prompts = [PREAMBLE + "prove the theorem", PREAMBLE + "hi thanks"]
    assert abs(float(np.diff(scorer.score(prompts))[0])) > 1e-4
    scorer.head_tokens = 24  # the start only, as Hugging Face's truncation cuts: the two look alike
    np.testing.assert_allclose(*scorer.score(prompts), atol=1e-7)


def test_a_router_saved_before_head_tokens_loads_cutting_from_the_start(tiny_bert: Path, tmp_path: Path) -> None:
    """Older artifacts were trained on each prompt's start: loading them must not change their scores."""
    scorer = fitted(tiny_bert, epochs=1, max_length=24, head_tokens=24)  # what format 2 did
    directory = scorer.save_pretrained(tmp_path / "router")
    config = json.loads((directory / "config.json").read_text())
    del config["params"]["head_tokens"]
    config["format_version"] = 2
    (directory / "config.json").write_text(json.dumps(config))
    loaded = load_scorer(directory)
    assert loaded.get_params()["head_tokens"] == 24
    prompts = [PREAMBLE + "prove the theorem", PREAMBLE + "hi thanks", *HARD]
    np.testing.assert_allclose(loaded.score(prompts), scorer.score(prompts), atol=1e-6)
    assert BertScorer.from_pretrained(fitted(tiny_bert, epochs=1).save_pretrained(tmp_path / "new")).head_tokens is None
