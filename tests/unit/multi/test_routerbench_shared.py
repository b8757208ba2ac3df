"""N-model routers on the real RouterBench files (skipped when ../shared/data is absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routed_llm.evaluation.cost_curve import oracle_curve, router_curve, zero_curve
from routed_llm.evaluation.loaders import load_benchmark
from routed_llm.scorers.multi import KNNQualityPredictor

pytestmark = pytest.mark.shared_data


@pytest.fixture
def routerbench(shared_data: Path) -> Path:
    folder = shared_data / "routerbench"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (RouterBench training files not available)")
    return folder


def test_task_model_costs_and_curves_on_held_out_rows(routerbench: Path) -> None:
    table = load_benchmark(routerbench)
    held = np.random.default_rng(7).permutation(len(table))[: len(table) // 5]
    train = table.select(np.setdiff1d(np.arange(len(table)), held))
    test = table.select(held)
    predictor = KNNQualityPredictor(encoder={"type": "hashing", "n_features": 4096}, k=30).fit_table(train)
    prediction = predictor.predict(test.prompts)
    assert predictor.tasks_ == ["arc-challenge", "mbpp", "winogrande"]
    recognised = np.asarray(predictor.tasks_)[np.argmax(prediction.task_probabilities, axis=1)]
    assert np.mean(recognised == np.asarray(test.domains)) > 0.98
    gpt4 = list(test.models).index("gpt-4-1106-preview")
    assert prediction.cost is not None
    assert np.corrcoef(prediction.cost[:, gpt4], test.costs[:, gpt4])[0, 1] > 0.5  # per-task costs differ
    for domain in sorted(set(test.domains)):
        rows = np.asarray(test.domains) == domain
        quality, costs = test.quality[rows], test.costs[rows]
        max_cost = float(costs.mean(axis=0).max())
        zero, oracle = zero_curve(quality, costs).aiq(max_cost), oracle_curve(quality, costs).aiq(max_cost)
        routed = router_curve(prediction.quality[rows], prediction.cost[rows], quality, costs)
        assert zero < oracle and 0.0 < routed.aiq(max(max_cost, routed.hull[-1, 0])) < oracle
