"""Hybrid LLM's router: label schemes wired into training, scoring and artifacts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from routed_llm.errors import ArtifactError, ConfigurationError, NotFittedError
from routed_llm.scorers import load_scorer
from routed_llm.scorers.hybrid import HybridScorer, hybrid_labels
from routed_llm.scorers.registry import resolve_scorer

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

HARD = ["prove the theorem", "derive the integral", "prove the lemma", "derive the sum of the integral"]
EASY = ["hello", "hi thanks", "what is the cat", "hello dog"]




def toy_embeddings(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings whose first coordinate says whether the small model keeps up."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    small_ok = (x[:, 0] > 0).astype(float)
    return x, small_ok


def test_hybrid_labels_dispatch_on_the_scheme() -> None:
    small, large = np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [0.2, 0.2]])
    np.testing.assert_allclose(hybrid_labels("det", small, large)[0], [0.0, 0.0])
    np.testing.assert_allclose(hybrid_labels("prob", small, large)[0], [0.5, 0.0])
    labels, t = hybrid_labels("trans", [0.0, 0.0, 0.0], [0.2, 0.2, 0.5])
    assert t == pytest.approx(0.2)
    np.testing.assert_allclose(labels, [1.0, 1.0, 0.0])
    labels, t = hybrid_labels("trans", [0.0, 0.0, 0.0], [0.2, 0.2, 0.5], relaxation=0.5)
    assert t == 0.5
    np.testing.assert_allclose(labels, [1.0, 1.0, 1.0])
    with pytest.raises(ConfigurationError, match="label_scheme"):
        hybrid_labels("soft", small, large)  # type: ignore[arg-type]


@pytest.mark.parametrize("scheme", ["det", "prob", "trans"])
def test_fit_on_embeddings_learns_who_needs_the_strong_model(scheme: str) -> None:
    x, small_ok = toy_embeddings(200)
    q_large = np.ones(200)
    q_small = np.where(small_ok == 1, 1.0, 0.0)
    scorer = HybridScorer(label_scheme=scheme, epochs=150).fit([f"p{i}" for i in range(200)], q_small, q_large,
                                                               embeddings=x)
    p_small = scorer.predict_small_ok([f"p{i}" for i in range(200)], embeddings=x)
    assert np.all((p_small >= 0) & (p_small <= 1))
    accuracy = np.mean((p_small > 0.5) == (small_ok == 1))
    assert accuracy > 0.9


def test_trans_scheme_records_the_chosen_relaxation() -> None:
    x, small_ok = toy_embeddings(40)
    q_large = np.full(40, 0.5)
    q_small = np.where(small_ok == 1, 0.4, 0.1)  # the small model always trails, by 0.1 or 0.4
    scorer = HybridScorer(label_scheme="trans", epochs=5).fit([f"p{i}" for i in range(40)], q_small, q_large,
                                                              embeddings=x)
    assert scorer.relaxation_ == pytest.approx(0.1)
    assert HybridScorer(label_scheme="prob", epochs=5).fit(
        [f"p{i}" for i in range(40)], q_small, q_large, embeddings=x).relaxation_ == 0.0


def test_scores_real_prompts_through_the_encoder_and_round_trips(tiny_bert: Path, tmp_path: Path) -> None:
    prompts = (HARD + EASY) * 3
    q_large = np.ones(len(prompts))
    q_small = np.array(([0.0] * len(HARD) + [1.0] * len(EASY)) * 3)
    scorer = HybridScorer(str(tiny_bert), label_scheme="det", epochs=300, learning_rate=1e-2).fit(
        prompts, q_small, q_large)
    scores = scorer.score(HARD + EASY)
    assert scores.shape == (8,) and np.all((scores >= 0) & (scores <= 1))
    assert scores[: len(HARD)].min() > scores[len(HARD):].max()
    directory = scorer.save_pretrained(tmp_path / "router")
    loaded = load_scorer(directory)
    assert isinstance(loaded, HybridScorer) and loaded.label_scheme == "det"
    np.testing.assert_allclose(loaded.score(HARD + EASY), scores, atol=1e-6)
    assert resolve_scorer(str(directory)).name == "hybrid"


def test_corrupted_or_mismatched_artifacts_are_refused(tmp_path: Path) -> None:
    x, small_ok = toy_embeddings(30)
    scorer = HybridScorer(epochs=5).fit([f"p{i}" for i in range(30)], small_ok, np.ones(30), embeddings=x)
    directory = scorer.save_pretrained(tmp_path / "router")
    config_path = directory / "config.json"
    original = config_path.read_text()
    config = json.loads(original)
    config["params"]["hidden_size"] = 16
    config_path.write_text(json.dumps(config))
    with pytest.raises(ArtifactError, match="hidden_size"):
        load_scorer(directory)
    config = json.loads(original)
    config["tensors"] = ["w1", "b1", "w2"]
    config_path.write_text(json.dumps(config))
    with pytest.raises(ArtifactError, match="do not match"):
        load_scorer(directory)
    config_path.write_text(original)
    (directory / "model.safetensors").write_bytes(b"\x00" * 16)
    with pytest.raises(ArtifactError, match="corrupt"):
        load_scorer(directory)


def test_unfitted_and_misconfigured_scorers_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(NotFittedError):
        HybridScorer().score(["x"])
    with pytest.raises(NotFittedError):
        HybridScorer().save_pretrained(tmp_path / "r")
    x, small_ok = toy_embeddings(4)
    with pytest.raises(ConfigurationError, match="hidden_size"):
        HybridScorer(hidden_size=0).fit(["a", "b", "c", "d"], small_ok, np.ones(4), embeddings=x)
    with pytest.raises(ConfigurationError, match="relaxation"):
        HybridScorer(relaxation=-1.0).fit(["a", "b", "c", "d"], small_ok, np.ones(4), embeddings=x)
    with pytest.raises(ConfigurationError, match="q_small"):
        HybridScorer().fit(["a", "b"], small_ok, np.ones(4), embeddings=x)
    with pytest.raises(ConfigurationError, match="encoder"):
        HybridScorer(str(tmp_path / "missing")).fit(["a"], [1.0], [1.0])
