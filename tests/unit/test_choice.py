"""The one N-model choice and its tie rule, shared by the runtime and the offline curves."""

from __future__ import annotations

import math

import numpy as np
import pytest

from routed_llm.data.choice import choose_models, lambda_grid, rank_models
from routed_llm.evaluation.cost_curve import router_curve
from routed_llm.routing.nmodel import CostQualityPolicy, solve_cost_weight

# Models 0 and 1 are predicted equally good; model 1 is cheaper; model 2 is cheapest and worst.
TIED = np.array([[0.8, 0.8, 0.2]])
COSTS = np.array([2.0, 1.0, 0.5])


def test_equal_utility_goes_to_the_cheaper_model() -> None:
    assert choose_models(TIED, COSTS, 0.0).tolist() == [1]
    assert rank_models(TIED, COSTS, 0.0).tolist() == [[1, 0, 2]]


def test_equal_utility_and_cost_goes_to_the_lower_index() -> None:
    quality = np.array([[0.3, 0.7, 0.7]])
    costs = np.array([1.0, 1.0, 1.0])
    assert choose_models(quality, costs, 0.0).tolist() == [1]
    assert rank_models(quality, costs, 0.0).tolist() == [[1, 2, 0]]


def test_infinite_cost_weight_takes_the_cheapest_then_the_better() -> None:
    predicted = np.array([[0.2, 0.9, 0.5]])
    costs = np.array([2.0, 1.0, 1.0])
    assert choose_models(predicted, costs, math.inf).tolist() == [1]
    assert rank_models(predicted, costs, math.inf).tolist() == [[1, 2, 0]]
    assert choose_models(predicted, costs, 0.0).tolist() == [1]
    assert choose_models(np.array([[0.9, 0.1, 0.1]]), costs, 0.0).tolist() == [0]


@pytest.mark.parametrize("weight", [0.0, 0.1, 1.0, 10.0, math.inf])
def test_the_choice_is_always_the_head_of_the_ranking(weight: float) -> None:
    rng = np.random.default_rng(7)
    # coarse values make ties in quality, cost and utility common
    quality = rng.integers(0, 4, size=(500, 5)) / 4.0
    costs = rng.integers(1, 4, size=(500, 5)) / 10.0
    np.testing.assert_array_equal(choose_models(quality, costs, weight), rank_models(quality, costs, weight)[:, 0])


@pytest.mark.parametrize("weight", [0.0, 0.25, math.inf])
def test_runtime_and_evaluation_pick_the_same_model(weight: float) -> None:
    policy = CostQualityPolicy(weight)
    assert policy.ranking(TIED[0], COSTS)[0] == int(policy.choose(TIED, COSTS)[0])
    quality = np.array([[1.0, 1.0, 0.0]])
    true_costs = np.broadcast_to(COSTS, quality.shape)
    curve = router_curve(TIED, COSTS, quality, true_costs, cost_weights=np.array([weight]))
    assert curve.points[0, 0] == COSTS[policy.ranking(TIED[0], COSTS)[0]]


def test_target_cost_is_solved_for_the_rule_the_runtime_uses() -> None:
    """Cost weight 0 already averages 1.0 here, because a tie goes to the cheaper model at run time."""
    weight = solve_cost_weight(TIED, COSTS, 1.0)
    assert weight == 0.0
    assert CostQualityPolicy(weight).ranking(TIED[0], COSTS)[0] == 1


def test_lambda_grid_spans_zero_to_infinity() -> None:
    grid = lambda_grid(np.array([0.01, 0.001]))
    assert grid[0] == 0.0 and math.isinf(grid[-1])
    assert np.all(np.diff(grid) > 0)
    assert lambda_grid(np.zeros(3)).tolist() == [0.0, math.inf]
