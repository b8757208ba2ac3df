"""The N-model choice: cost weight, ranking, solving the weight from a target average cost."""

from __future__ import annotations

import math

import numpy as np
import pytest

from routed_llm.errors import ConfigurationError
from routed_llm.routing.nmodel import Candidate, CostQualityPolicy, solve_cost_weight

QUALITY = np.array([[0.9, 0.7, 0.2], [0.9, 0.85, 0.8], [0.95, 0.3, 0.3]])
COSTS = np.array([0.01, 0.002, 0.001])


def test_cost_weight_trades_quality_for_cost() -> None:
    assert CostQualityPolicy(0.0).choose(QUALITY, COSTS).tolist() == [0, 0, 0]
    # λ = 20: utilities row 0: 0.7, 0.66, 0.18; row 1: 0.7, 0.81, 0.78; row 2: 0.75, 0.26, 0.28
    assert CostQualityPolicy(20.0).choose(QUALITY, COSTS).tolist() == [0, 1, 0]
    assert CostQualityPolicy(math.inf).choose(QUALITY, COSTS).tolist() == [2, 2, 2]
    assert CostQualityPolicy(0.0).choose(QUALITY, COSTS, cost_weight=math.inf).tolist() == [2, 2, 2]


def test_ranking_orders_candidates_by_utility_ties_to_the_cheaper() -> None:
    policy = CostQualityPolicy(20.0)
    assert policy.ranking(QUALITY[1], COSTS) == [1, 2, 0]
    assert policy.ranking(np.array([0.5, 0.5]), np.array([0.0, 0.0]), cost_weight=0.0) == [0, 1]
    assert CostQualityPolicy(math.inf).ranking(QUALITY[0], COSTS) == [2, 1, 0]


def test_solved_cost_weight_meets_the_target_average() -> None:
    rng = np.random.default_rng(0)
    quality = rng.uniform(size=(200, 3))
    costs = np.array([0.01, 0.003, 0.001])
    for target in (0.002, 0.005, 0.008):
        weight = solve_cost_weight(quality, costs, target)
        chosen = CostQualityPolicy(weight).choose(quality, costs)
        assert costs[chosen].mean() <= target + 1e-12
        looser = CostQualityPolicy(weight * 0.9).choose(quality, costs)
        assert costs[looser].mean() >= costs[chosen].mean()
    assert solve_cost_weight(quality, costs, 1.0) == 0.0
    assert math.isinf(solve_cost_weight(quality, costs, 0.0005))


def test_bad_settings_name_the_field() -> None:
    with pytest.raises(ConfigurationError, match="cost_weight"):
        CostQualityPolicy(-1.0)
    with pytest.raises(ConfigurationError, match="target_cost"):
        solve_cost_weight(QUALITY, COSTS, -0.1)


def test_candidates_parse_from_strings_and_mappings() -> None:
    assert Candidate.parse("openai/gpt-4o", 0) == Candidate("openai/gpt-4o", "openai/gpt-4o")
    parsed = Candidate.parse({"model": "groq/llama", "name": "llama", "cost": 0.001, "kwargs": {"api_base": "x"}}, 1)
    assert parsed.name == "llama" and parsed.cost == 0.001 and parsed.kwargs == {"api_base": "x"}
    with pytest.raises(ConfigurationError, match=r"models\[1\]"):
        Candidate.parse({"model": "a", "price": 1}, 1)
    with pytest.raises(ConfigurationError, match="cost"):
        Candidate.parse({"model": "a", "cost": -1}, 0)
    with pytest.raises(ConfigurationError, match="models"):
        Candidate.parse({"model": ""}, 0)
    with pytest.raises(ConfigurationError, match=r"models\[2\]"):
        Candidate.parse(3, 2)  # type: ignore[arg-type]
