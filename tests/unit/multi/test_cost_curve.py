"""Hand-computed cost-quality curves, hulls and RouterBench's AIQ."""

from __future__ import annotations

import math

import numpy as np
import pytest

from routed_llm.errors import ConfigurationError
from routed_llm.evaluation.cost_curve import (
    CostCurve,
    cost_at_quality,
    non_decreasing_hull,
    oracle_curve,
    router_curve,
    zero_curve,
)


def test_hull_drops_points_under_a_chord_and_dearer_worse_ones() -> None:
    points = np.array([[1.0, 0.5], [2.0, 0.55], [3.0, 0.8], [4.0, 0.7], [3.0, 0.6]])
    # (2, 0.55) lies under the chord (1, 0.5)-(3, 0.8) at 0.65; (4, 0.7) costs more for less
    assert non_decreasing_hull(points).tolist() == [[1.0, 0.5], [3.0, 0.8]]


def test_hull_keeps_a_concave_vertex() -> None:
    points = np.array([[0.0, 0.0], [1.0, 0.9], [2.0, 1.0]])
    assert non_decreasing_hull(points).tolist() == points.tolist()


def test_aiq_is_the_area_to_the_largest_cost_divided_by_it() -> None:
    curve = CostCurve.from_points([[1.0, 0.5], [3.0, 0.8]])
    # trapezoid 1..3: (0.5 + 0.8) / 2 * 2 = 1.3; flat 3..4: 0.8; total 2.1 over 4
    assert curve.aiq(4.0) == pytest.approx(2.1 / 4.0)
    with pytest.raises(ConfigurationError, match="max_cost"):
        curve.aiq(0.0)


def test_quality_at_and_cost_for_interpolate_on_the_hull() -> None:
    curve = CostCurve.from_points([[1.0, 0.5], [3.0, 0.8]])
    assert curve.quality_at(2.0) == pytest.approx(0.65)
    assert curve.quality_at(10.0) == pytest.approx(0.8)
    assert math.isnan(curve.quality_at(0.5))
    assert curve.cost_for(0.65) == pytest.approx(2.0)
    assert curve.cost_for(0.4) == pytest.approx(1.0)
    assert curve.cost_for(0.81) is None
    assert cost_at_quality(curve.hull, 0.8) == pytest.approx(3.0)


def test_zero_router_is_the_hull_of_the_single_models() -> None:
    quality = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    costs = np.array([[4.0, 1.0, 2.0], [4.0, 1.0, 2.0]])
    curve = zero_curve(quality, costs)
    assert curve.points.tolist() == [[4.0, 1.0], [1.0, 0.5], [2.0, 0.5]]
    assert curve.hull.tolist() == [[1.0, 0.5], [4.0, 1.0]]


def test_oracle_routes_each_prompt_to_its_cheapest_right_model() -> None:
    quality = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    costs = np.array([[4.0, 1.0, 2.0], [4.0, 1.0, 2.0]])
    curve = oracle_curve(quality, costs)
    assert curve.hull[-1].tolist() == [1.5, 1.0]  # model 2 on row 0, model 1 on row 1
    assert curve.hull[0].tolist() == [1.0, 0.5]
    assert curve.aiq(4.0) > zero_curve(quality, costs).aiq(4.0)


def test_router_curve_uses_the_true_cost_and_quality_of_its_choices() -> None:
    quality = np.array([[1.0, 0.0], [1.0, 1.0]])
    costs = np.array([[3.0, 1.0], [3.0, 1.0]])
    predicted = np.array([[0.9, 0.1], [0.9, 0.8]])
    curve = router_curve(predicted, np.array([3.0, 1.0]), quality, costs)
    # λ = 0: both to model 0 (cost 3, quality 1); mid λ: row 1 to model 1 (2, 1); λ = inf: (1, 0.5)
    assert [1.0, 0.5] in curve.points.tolist() and [2.0, 1.0] in curve.points.tolist()
    assert curve.hull.tolist() == [[1.0, 0.5], [2.0, 1.0]]
    with pytest.raises(ConfigurationError, match="predicted_quality"):
        router_curve(predicted[:1], np.array([3.0, 1.0]), quality, costs)


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(ConfigurationError, match="points"):
        non_decreasing_hull(np.zeros((0, 2)))
    with pytest.raises(ConfigurationError, match="costs"):
        zero_curve(np.ones((2, 2)), np.ones((2, 3)))
