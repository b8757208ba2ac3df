"""N-model quality predictors on a synthetic two-task, three-model table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import ConfigurationError, NotFittedError
from routed_llm.evaluation.cost_curve import router_curve, zero_curve
from routed_llm.scorers import load_scorer
from routed_llm.scorers.multi import (
    DifficultyQualityPredictor,
    EnsembleQualityPredictor,
    KNNQualityPredictor,
    MFQualityPredictor,
    MLPQualityPredictor,
)
from routed_llm.scorers.multi.base import QualityPredictor
from routed_llm.scorers.multi.features import TfidfFeatures, ask_text, length_features
from routed_llm.scorers.registry import resolve_scorer

from .conftest import MODELS, WordEncoder, synthetic_table

PREDICTORS = [
    lambda encoder: KNNQualityPredictor(encoder=encoder, k=5),
    lambda encoder: MLPQualityPredictor(encoder=encoder, hidden=16, max_iter=500),
    lambda encoder: EnsembleQualityPredictor(encoder=encoder, hidden=16),
    lambda encoder: MFQualityPredictor(encoder=encoder, dim=8, epochs=40),
    lambda encoder: DifficultyQualityPredictor(encoder=encoder, alpha=1.0),
]


@pytest.mark.parametrize("make", PREDICTORS)
def test_predictors_learn_which_model_suits_which_prompt(make, table: BenchmarkTable, encoder: WordEncoder) -> None:
    predictor: QualityPredictor = make(encoder).fit_table(table)
    test = synthetic_table(n_per_task=10, seed=1)
    prediction = predictor.predict(test.prompts)
    assert prediction.quality.shape == (20, 3) and predictor.models_ == MODELS
    assert np.all((prediction.quality >= 0) & (prediction.quality <= 1))
    code, trivia = np.asarray(test.domains) == "code", np.asarray(test.domains) == "trivia"
    assert prediction.quality[code, 1].mean() > prediction.quality[trivia, 1].mean() + 0.3
    easy = np.asarray(["easy" in p for p in test.prompts])
    assert prediction.quality[easy, 2].mean() > prediction.quality[~easy, 2].mean() + 0.1
    assert prediction.cost is not None and np.allclose(prediction.cost, [0.01, 0.002, 0.001], atol=1e-3)
    assert prediction.task_probabilities.shape == (20, 2)
    assert np.argmax(prediction.task_probabilities, axis=1).tolist() == [0] * 10 + [1] * 10
    # a learned router beats the best mixture of single models on unseen rows
    curve = router_curve(prediction.quality, prediction.cost, test.quality, test.costs)
    assert curve.aiq(0.01) > zero_curve(test.quality, test.costs).aiq(0.01)


def test_ensemble_shrinks_toward_the_task_prior(table: BenchmarkTable, encoder: WordEncoder) -> None:
    unshrunk = EnsembleQualityPredictor(encoder=encoder, shrinkage=1.0, hidden=16, difficulty_weight=0.0)
    prior_only = EnsembleQualityPredictor(encoder=encoder, shrinkage=0.0, hidden=16, difficulty_weight=0.0)
    parts = unshrunk.fit_table(table).component_predictions(table.prompts[:4])
    assert set(parts) == {"dense_logistic", "lexical_logistic", "mlp", "difficulty", "prior"}
    mean = np.mean([parts["dense_logistic"], parts["lexical_logistic"], parts["mlp"]], axis=0)
    assert np.allclose(unshrunk.predict_quality(table.prompts[:4]), np.clip(mean, 0, 1))
    assert np.allclose(prior_only.fit_table(table).predict_quality(table.prompts[:4]), parts["prior"], atol=1e-6)


def test_ensemble_averages_the_shrunk_blend_with_the_difficulty_model(table: BenchmarkTable, encoder: WordEncoder) -> None:
    mixed = EnsembleQualityPredictor(encoder=encoder, shrinkage=1.0, hidden=16, difficulty_weight=0.5)
    mixed.fit_table(table)
    assert EnsembleQualityPredictor().difficulty_weight == 0.75
    parts = mixed.component_predictions(table.prompts[:6])
    blend = np.mean([parts["dense_logistic"], parts["lexical_logistic"], parts["mlp"]], axis=0)
    assert np.allclose(mixed.predict_quality(table.prompts[:6]), np.clip(0.5 * blend + 0.5 * parts["difficulty"], 0, 1))
    only = EnsembleQualityPredictor(encoder=encoder, shrinkage=1.0, hidden=16, difficulty_weight=1.0).fit_table(table)
    assert np.allclose(only.predict_quality(table.prompts[:6]), np.clip(parts["difficulty"], 0, 1))


def test_difficulty_model_ranks_easy_prompts_easier_and_fits_curves_out_of_fold(
    table: BenchmarkTable, encoder: WordEncoder
) -> None:
    predictor = DifficultyQualityPredictor(encoder=encoder, alpha=1.0).fit_table(table)
    test = synthetic_table(n_per_task=10, seed=1)
    easy = np.asarray(["easy" in p for p in test.prompts])
    tasks = np.argmax(predictor.predict(test.prompts).task_probabilities, axis=1)
    own = predictor.difficulties(test.prompts)[np.arange(len(test)), tasks]
    assert own[easy].min() > own[~easy].max()  # positive = easier than the task's average
    curves = predictor.curves_
    tiny = MODELS.index("tiny")
    assert np.all(curves.slope[:, tiny] > 0)  # tiny's success rises with ease in both tasks
    # always-right or always-wrong models get flat curves at their smoothed rate
    assert np.all(curves.slope[:, MODELS.index("big")] == 0) and np.all(curves.slope[:, MODELS.index("coder")] == 0)
    # out-of-fold difficulties: a slope fitted on in-sample ones would separate perfectly and run to C's bound
    assert np.all(np.abs(curves.slope) < 10)


def test_difficulty_model_falls_back_to_the_prior_on_a_task_too_small_to_cross_fit(encoder: WordEncoder) -> None:
    table = synthetic_table(n_per_task=4)
    predictor = DifficultyQualityPredictor(encoder=encoder, folds=5).fit_table(table)
    assert np.all(predictor.curves_.slope == 0) and np.all(predictor.curves_.weights == 0)
    prediction = predictor.predict(table.prompts)
    assert np.allclose(prediction.quality, predictor.task_prior(prediction.task_probabilities), atol=1e-3)


def test_ensemble_chooses_each_tasks_blend_and_shrinkage_by_cross_validation(table: BenchmarkTable, encoder: WordEncoder) -> None:
    predictor = EnsembleQualityPredictor(encoder=encoder, hidden=16).fit_table(table)
    assert predictor.task_shrinkage_.shape == (2,)
    assert set(predictor.task_shrinkage_.tolist()) <= {0.0, 0.25, 0.5, 0.75, 1.0}
    # the easy/hard split inside each task is real signal: some of it is kept
    assert predictor.task_shrinkage_.max() > 0.0
    assert predictor.task_blend_.shape == (2, 3)
    for blend in predictor.task_blend_:  # the components' mean, or a single component
        assert np.allclose(blend, 1 / 3) or sorted(blend.tolist()) == [0.0, 0.0, 1.0]
    fixed = EnsembleQualityPredictor(encoder=encoder, hidden=16, shrinkage=0.25).fit_table(table)
    assert fixed.task_shrinkage_.tolist() == [0.25, 0.25] and np.allclose(fixed.task_blend_, 1 / 3)


@pytest.mark.parametrize("make", PREDICTORS)
def test_saved_predictors_reload_to_the_same_predictions(make, table: BenchmarkTable, tmp_path: Path) -> None:
    predictor = make({"type": "hashing", "n_features": 512}).fit_table(table)  # a spec that reloads; small and fast
    predictor.save_pretrained(tmp_path / "router")
    loaded = load_scorer(tmp_path / "router")
    assert type(loaded) is type(predictor) and loaded.models_ == MODELS
    before, after = predictor.predict(table.prompts), loaded.predict(table.prompts)
    assert np.allclose(before.quality, after.quality) and np.allclose(before.cost, after.cost)
    assert np.allclose(resolve_scorer(str(tmp_path / "router")).score(table.prompts[:3]), before.quality[:3])


def test_trained_without_costs_or_domains(encoder: WordEncoder) -> None:
    table = synthetic_table()
    predictor = KNNQualityPredictor(encoder=encoder, k=3).fit(table.prompts, table.quality, models=table.models)
    prediction = predictor.predict(table.prompts[:2])
    assert prediction.cost is None and predictor.tasks_ == ["all"]
    assert predictor.predict([]).quality.shape == (0, 3)


def test_misuse_fails_with_typed_errors(encoder: WordEncoder) -> None:
    table = synthetic_table()
    with pytest.raises(NotFittedError):
        MLPQualityPredictor(encoder=encoder).predict_quality(["x"])
    with pytest.raises(ConfigurationError, match="quality"):
        KNNQualityPredictor(encoder=encoder).fit(table.prompts, table.quality[:, :1], models=["big"])
    with pytest.raises(ConfigurationError, match="costs"):
        KNNQualityPredictor(encoder=encoder).fit(table.prompts, table.quality, models=MODELS, costs=np.ones((2, 3)))
    with pytest.raises(ConfigurationError, match="k"):
        KNNQualityPredictor(k=0)
    with pytest.raises(ConfigurationError, match="shrinkage"):
        EnsembleQualityPredictor(shrinkage=2.0)
    with pytest.raises(ConfigurationError, match="shrinkage"):
        EnsembleQualityPredictor(shrinkage="always")
    with pytest.raises(ConfigurationError, match="difficulty_weight"):
        EnsembleQualityPredictor(difficulty_weight=1.5)
    with pytest.raises(ConfigurationError, match="difficulty_weight"):
        EnsembleQualityPredictor(difficulty_weight="sometimes")
    with pytest.raises(ConfigurationError, match="alpha"):
        DifficultyQualityPredictor(alpha=0.0)
    with pytest.raises(ConfigurationError, match="folds"):
        DifficultyQualityPredictor(folds=1)


def test_features_read_the_ask_not_the_shared_preamble() -> None:
    prompt = "Example: 1+1?\nAnswer: 2\n\nExample: 2+2?\nAnswer: 4\n\nWhat is 3+5?\nAnswer:"
    assert ask_text(prompt) == "What is 3+5?\nAnswer:"
    assert ask_text("no paragraphs here", max_chars=4) == "here"
    lengths = length_features([prompt, "short"])
    assert lengths.shape == (2, 3) and lengths[0, 0] > lengths[1, 0]


def test_tfidf_state_round_trips_without_pickle() -> None:
    features = TfidfFeatures(min_df=1)
    fitted = features.fit_transform(["red apple", "green apple", "red car"])
    tensors, extra = features.state()
    reloaded = TfidfFeatures()
    reloaded.load(tensors, extra)
    assert np.allclose(reloaded.transform(["red apple"]).toarray(), fitted[:1].toarray())
