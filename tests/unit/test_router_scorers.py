"""Lexical, SW and MF scorers: fit, score, save/load round trips, and refusal of broken artifacts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from routed_llm.data.battles import Battles, golden_battles
from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import ArtifactError, ConfigurationError, NotFittedError
from routed_llm.scorers import load_scorer
from routed_llm.scorers.lexical import LexicalScorer
from routed_llm.scorers.mf import MFScorer
from routed_llm.scorers.registry import resolve_scorer
from routed_llm.scorers.sw import SWScorer, weighted_bradley_terry

HARD = ["prove the theorem about primes", "derive the integral of x", "prove the lemma on groups",
        "derive the sum of the series"]
EASY = ["hello there", "hi thanks a lot", "what is the cat called", "hello dog"]
ENCODER = {"type": "hashing", "n_features": 128}


def table() -> BenchmarkTable:
    """The strong model wins every hard prompt; the easy ones are ties."""
    prompts = (HARD + EASY) * 3
    strong = np.ones(len(prompts))
    weak = np.array([0.0 if p in HARD else 1.0 for p in prompts])
    domains = ["math" if p in HARD else "chat" for p in prompts]
    return BenchmarkTable(prompts=prompts, models=["big", "small"], quality=np.column_stack([strong, weak]),
                          domains=domains)


def battles() -> Battles:
    return golden_battles(table(), "big", "small")


def test_lexical_learns_which_prompts_need_the_strong_model() -> None:
    data = table()
    scorer = LexicalScorer(n_features=1024, group_smoothing=0.5).fit(
        list(data.prompts), data.column("big") - data.column("small"), groups=list(data.domains or []))
    hard, easy = scorer.score(HARD), scorer.score(EASY)
    assert hard.min() > easy.max()
    assert np.all((hard >= 0) & (hard <= 1))
    assert scorer.score_quantiles_ is not None and len(scorer.score_quantiles_) == 101


def test_sw_and_mf_rank_hard_prompts_above_easy_ones() -> None:
    sw = SWScorer("big", "small", encoder=ENCODER).fit(battles())
    mf = MFScorer("big", "small", encoder=ENCODER, dim=8, epochs=80, learning_rate=0.02).fit(battles())
    for scorer in (sw, mf):
        assert scorer.score(HARD).mean() > scorer.score(EASY).mean() + 0.05, scorer.name


def test_mf_handles_more_than_two_models() -> None:
    prompts = HARD + EASY
    n = len(prompts)
    many = Battles(prompts=prompts, models=["a", "b", "c"], prompt_index=np.tile(np.arange(n), 2),
                   model_a=np.array([0] * n + [1] * n), model_b=np.array([1] * n + [2] * n),
                   outcome=np.array([1.0] * n + [1.0] * n))
    scorer = MFScorer("a", "c", encoder=ENCODER, dim=4, epochs=60, learning_rate=0.05).fit(many)
    columns = scorer.model_scores(prompts)
    assert columns.shape == (n, 3)
    assert np.all(columns[:, 0] > columns[:, 2])


def test_weighted_bradley_terry_recovers_a_win_rate() -> None:
    outcome = np.array([1.0] * 3 + [0.0])
    ratings = weighted_bradley_terry(np.zeros(4, int), np.ones(4, int), outcome, np.ones((1, 4)), 2, 1e-6, 50)
    probability = 1 / (1 + np.exp(ratings[0, 1] - ratings[0, 0]))
    assert probability == pytest.approx(0.75, abs=1e-3)


def fitted_scorers() -> list[object]:
    data = table()
    return [
        LexicalScorer(n_features=256).fit(list(data.prompts), data.column("big") - data.column("small")),
        SWScorer("big", "small", encoder=ENCODER).fit(battles()),
        MFScorer("big", "small", encoder=ENCODER, dim=4, epochs=3).fit(battles()),
    ]


@pytest.mark.parametrize("index", [0, 1, 2], ids=["lexical", "sw", "mf"])
def test_save_load_round_trip(tmp_path: Path, index: int) -> None:
    scorer = fitted_scorers()[index]
    path = scorer.save_pretrained(tmp_path / "router", metadata={"note": "test"})  # type: ignore[attr-defined]
    loaded = load_scorer(path)
    assert type(loaded) is type(scorer)
    np.testing.assert_allclose(loaded.score(HARD + EASY), scorer.score(HARD + EASY), rtol=1e-5, atol=1e-6)  # type: ignore[attr-defined]
    np.testing.assert_allclose(loaded.score_quantiles_, scorer.score_quantiles_)  # type: ignore[attr-defined]
    assert resolve_scorer(str(path)).name == scorer.name  # type: ignore[attr-defined]
    config = json.loads((path / "config.json").read_text())
    assert config["state"]["encoder"]["type"] == "hashing"


@pytest.mark.parametrize("scorer", [LexicalScorer(), SWScorer("a", "b"), MFScorer("a", "b")],
                         ids=["lexical", "sw", "mf"])
def test_unfitted_scorers_refuse_to_score_or_save(scorer: object, tmp_path: Path) -> None:
    with pytest.raises(NotFittedError):
        scorer.score(["x"])  # type: ignore[attr-defined]
    with pytest.raises(NotFittedError):
        scorer.save_pretrained(tmp_path)  # type: ignore[attr-defined]


def test_truncated_weights_are_refused(tmp_path: Path) -> None:
    path = fitted_scorers()[0].save_pretrained(tmp_path / "r")  # type: ignore[attr-defined]
    weights = path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ArtifactError, match="model.safetensors"):
        load_scorer(path)


def test_a_config_that_does_not_fit_the_weights_is_refused(tmp_path: Path) -> None:
    path = fitted_scorers()[0].save_pretrained(tmp_path / "r")  # type: ignore[attr-defined]
    config = json.loads((path / "config.json").read_text())
    config["params"]["n_features"] = 512
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ArtifactError, match="coef"):
        load_scorer(path)


def test_an_artifact_for_other_models_is_refused(tmp_path: Path) -> None:
    path = fitted_scorers()[2].save_pretrained(tmp_path / "r")  # type: ignore[attr-defined]
    config = json.loads((path / "config.json").read_text())
    config["params"]["strong"] = "gpt-5"
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ArtifactError, match="gpt-5"):
        load_scorer(path)


def test_loading_as_the_wrong_scorer_is_refused(tmp_path: Path) -> None:
    path = fitted_scorers()[1].save_pretrained(tmp_path / "r")  # type: ignore[attr-defined]
    with pytest.raises(ArtifactError, match="'sw' router, not 'mf'"):
        MFScorer.from_pretrained(path)


def test_a_teacher_overrides_a_wrong_label_whatever_its_scale() -> None:
    """One hard prompt is labelled as a weak-model win every time; a teacher that knows it is
    hard, on either orientation of its scale, teaches the student to rank it with the hard ones."""
    prompts = (HARD + EASY) * 3
    mislabelled = HARD[1]
    gains = np.array([-1.0 if p == mislabelled else 1.0 if p in HARD else 0.0 for p in prompts])
    knows = np.array([0.8 if p in HARD else 0.3 for p in prompts])

    alone = LexicalScorer(n_features=1024).fit(prompts, gains)
    assert alone.score([mislabelled])[0] < alone.score(EASY).min()
    for teacher in (knows, 1.0 - knows):
        taught = LexicalScorer(n_features=1024, teacher_weight=1.0).fit(prompts, gains, teacher_scores=teacher)
        assert taught.score(HARD).min() > taught.score(EASY).max()
    half = LexicalScorer(n_features=1024, teacher_weight=0.5).fit(prompts, gains, teacher_scores=knows)
    assert alone.score([mislabelled])[0] < half.score([mislabelled])[0]


def test_teacher_scores_that_cannot_teach_are_refused_naming_the_field() -> None:
    prompts, gains = HARD + EASY, np.array([1.0] * len(HARD) + [0.0] * len(EASY))
    with pytest.raises(ConfigurationError, match="teacher_scores.*one score per prompt"):
        LexicalScorer(n_features=64).fit(prompts, gains, teacher_scores=[0.5, 0.6])
    with pytest.raises(ConfigurationError, match="teacher_scores.*all equal"):
        LexicalScorer(n_features=64).fit(prompts, gains, teacher_scores=np.full(len(prompts), 0.7))
    with pytest.raises(ConfigurationError, match="teacher_scores.*finite"):
        LexicalScorer(n_features=64).fit(prompts, gains, teacher_scores=[np.nan] * len(prompts))
    with pytest.raises(ConfigurationError, match="teacher_weight"):
        LexicalScorer(n_features=64, teacher_weight=1.5).fit(prompts, gains)


def test_fit_rejects_bad_labels_naming_the_field() -> None:
    with pytest.raises(ConfigurationError, match="gains"):
        LexicalScorer().fit(["a", "b"], [0.5, 2.0])
    with pytest.raises(ConfigurationError, match="strong"):
        SWScorer("gpt-5", "small", encoder=ENCODER).fit(battles())


def test_default_router_is_shipped_calibrated_and_used_by_default() -> None:
    from routed_llm.client import RoutedClient
    from routed_llm.scorers.blend import BlendScorer

    scorer = resolve_scorer("default")
    assert isinstance(scorer, BlendScorer)
    assert isinstance(resolve_scorer(None), BlendScorer)
    scores = scorer.score(["What is 2 + 2?", "Which of the following is true?\nA. x\nB. y\nC. z\nD. w\nAnswer:"])
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))
    assert 0.0 < scorer.threshold_for_strong_share(0.3) < 1.0
    assert scorer.threshold_for_strong_share(0.3) > scorer.threshold_for_strong_share(0.6)
    client = RoutedClient("strong-model", "weak-model", strong_share=0.3)
    assert isinstance(client.scorer, BlendScorer)
    config = json.loads((Path(__import__("routed_llm").__file__).parent / "_default" / "config.json").read_text())
    assert config["scorer"] == "default" and "held_out_metrics" in config["metadata"]


def test_lexical_scores_one_prompt_as_it_scores_a_batch() -> None:
    """The one-prompt fast path (plain Python) and the batched sparse path must agree."""
    scorer = LexicalScorer(n_features=2**12).fit(
        ["What is 2 + 2?", "Prove Fermat's little theorem", "hi", "Write a parser in C"] * 3, [0.0, 1.0, -0.5, 0.5] * 3
    )
    prompts = ["What is 2 + 2?", "Which is true?\nA. x\nB. y", "héllo " * 3000, "", "ok"]
    batched = scorer.score(prompts)
    one_by_one = np.concatenate([scorer.score([prompt]) for prompt in prompts])
    np.testing.assert_allclose(one_by_one, batched, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.concatenate([scorer.gains([prompt]) for prompt in prompts]), scorer.gains(prompts),
                               rtol=0, atol=1e-12)


def test_the_default_records_what_it_was_trained_on() -> None:
    from routed_llm.artifacts import prompt_digests, read_training_prompts
    from routed_llm.scorers.default import default_router_directory

    directory = default_router_directory()
    config = json.loads((directory / "config.json").read_text())
    recorded = read_training_prompts(directory)
    assert recorded is not None and len(recorded) <= config["metadata"]["training_rows"]
    assert np.all(recorded[1:] > recorded[:-1])  # unique and sorted
    assert not np.isin(prompt_digests(["a prompt nobody trained on, 8d41e97"]), recorded).any()
    # the ask-kind member learned from the hand-written asks and every prior: the record holds them too
    from routed_llm.training.default_priors import DEMANDING_ASKS, SIMPLE_ASKS, TRIVIAL_TURNS, everyday_asks

    asks = [*everyday_asks()[0], *TRIVIAL_TURNS, *SIMPLE_ASKS, *DEMANDING_ASKS]
    assert np.isin(prompt_digests(asks), recorded).all()
