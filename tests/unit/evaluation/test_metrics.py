"""Metrics against small cases computed by hand (shares and CPT as fractions)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routed_llm.errors import ConfigurationError
from routed_llm.evaluation import BenchmarkTable
from routed_llm.evaluation.metrics import (
    evaluate_scores,
    oracle_metrics,
    oracle_weights,
    quality_curve,
    random_metrics,
    strong_weights,
)


def make_table(strong: list[float], weak: list[float]) -> BenchmarkTable:
    return BenchmarkTable(
        prompts=[f"p{i}" for i in range(len(strong))],
        models=["S", "W"],
        quality=np.column_stack([strong, weak]).astype(float),
    )


# strong right on prompts 0, 1, 3; weak on 1: gains [1, 0, 0, 1]; weak 0.25, strong 0.75
CASE = make_table([1, 1, 0, 1], [0, 1, 0, 0])


def test_distinct_scores_follow_the_hand_computed_curve() -> None:
    metrics = evaluate_scores([0.9, 0.1, 0.5, 0.7], CASE, "S", "W")
    np.testing.assert_allclose(
        metrics.curve, [[0, 0.25], [0.25, 0.5], [0.5, 0.75], [0.75, 0.75], [1, 0.75]]
    )
    assert metrics.auc == pytest.approx(0.625)
    assert metrics.apgr == pytest.approx(0.75)
    assert metrics.cpt20 == pytest.approx(0.1)
    assert metrics.cpt50 == pytest.approx(0.25)
    assert metrics.cpt80 == pytest.approx(0.4)
    assert (metrics.strong_quality, metrics.weak_quality) == (0.75, 0.25)


def test_tied_scores_enter_as_one_block_with_a_straight_line_across() -> None:
    # gains [0, 1, 0, 1]: block {p0}, then the tie {p1, p2}, then {p3}
    metrics = evaluate_scores([0.9, 0.5, 0.5, 0.1], make_table([0, 1, 0, 1], [0, 0, 0, 0]), "S", "W")
    np.testing.assert_allclose(metrics.curve, [[0, 0], [0.25, 0], [0.75, 0.25], [1, 0.5]])
    assert metrics.auc == pytest.approx(0.25 * 0.5 * 0.5 + 0.25 * (0.25 + 0.5) / 2)
    flat = evaluate_scores([0.3, 0.3, 0.3, 0.3], make_table([1, 1, 0, 1], [0, 0, 0, 0]), "S", "W")
    np.testing.assert_allclose(flat.curve, [[0, 0], [1, 0.75]])
    assert flat.apgr == pytest.approx(0.5)


def test_tie_result_does_not_depend_on_row_order() -> None:
    scores = np.array([0.5, 0.5, 0.5, 0.2, 0.2])
    strong, weak = np.array([1.0, 0, 0, 1, 0]), np.zeros(5)
    reference = quality_curve(scores, strong, weak)
    for permutation in ([4, 3, 2, 1, 0], [2, 0, 4, 1, 3]):
        np.testing.assert_allclose(quality_curve(scores[permutation], strong[permutation], weak), reference)


def test_random_baseline_is_the_exact_straight_line() -> None:
    metrics = random_metrics(CASE, "S", "W")
    np.testing.assert_allclose(metrics.curve, [[0, 0.25], [1, 0.75]])
    assert (metrics.apgr, metrics.auc) == (pytest.approx(0.5), pytest.approx(0.5))
    assert (metrics.cpt20, metrics.cpt50, metrics.cpt80) == (
        pytest.approx(0.2), pytest.approx(0.5), pytest.approx(0.8))
    assert metrics.pgr_at(0.3) == pytest.approx(0.3)


def test_oracle_spends_strong_calls_only_where_they_gain() -> None:
    table = make_table([1, 0, 1, 0], [0, 1, 0, 0])  # gains [1, -1, 1, 0]; weak 0.25, strong 0.5
    metrics = oracle_metrics(table, "S", "W")
    np.testing.assert_allclose(
        metrics.curve, [[0, 0.25], [0.25, 0.5], [0.5, 0.75], [0.75, 0.75], [1, 0.75]]
    )
    assert metrics.apgr == pytest.approx((0.625 - 0.25) / 0.25)
    assert metrics.cpt50 == pytest.approx(0.125)
    # a scorer that knows the gains still has to pay for the bad prompts at share 1
    assert evaluate_scores([1, -1, 1, 0], table, "S", "W").curve[-1, 1] == pytest.approx(0.5)


def test_strong_weights_split_the_tied_block_at_the_cut() -> None:
    np.testing.assert_allclose(strong_weights(np.array([0.9, 0.5, 0.5, 0.1]), 0.5), [1, 0.5, 0.5, 0])
    np.testing.assert_allclose(strong_weights(np.array([0.9, 0.5, 0.5, 0.1]), 0.0), [0, 0, 0, 0])
    np.testing.assert_allclose(strong_weights(np.array([0.9, 0.5, 0.5, 0.1]), 1.0), [1, 1, 1, 1])
    np.testing.assert_allclose(oracle_weights(np.array([1.0, 0, 1]), np.array([0.0, 1, 0]), 1.0), [1, 0, 1])


def test_equal_models_leave_no_gap_so_pgr_metrics_are_nan() -> None:
    metrics = evaluate_scores([0.2, 0.8], make_table([1, 0], [0, 1]), "S", "W")
    assert math.isnan(metrics.apgr) and math.isnan(metrics.cpt50) and math.isnan(metrics.pgr_at(0.5))
    # the prompt the weak model gets right is scored higher, so the curve dips first
    np.testing.assert_allclose(metrics.curve, [[0, 0.5], [0.5, 0.0], [1, 0.5]])
    assert metrics.auc == pytest.approx(0.25)


def test_sampled_curve_is_an_even_grid_on_the_exact_curve() -> None:
    metrics = evaluate_scores([0.9, 0.1, 0.5, 0.7], CASE, "S", "W")
    sampled = metrics.sampled_curve(5)
    assert sampled == [[0.0, 0.25], [0.25, 0.5], [0.5, 0.75], [0.75, 0.75], [1.0, 0.75]]
    assert metrics.quality_at(0.125) == pytest.approx(0.375)


def test_bad_input_is_a_configuration_error_naming_the_field() -> None:
    with pytest.raises(ConfigurationError, match="scores"):
        evaluate_scores([0.1, 0.2], CASE, "S", "W")
    with pytest.raises(ConfigurationError, match="scores"):
        evaluate_scores([0.1, float("nan"), 0.2, 0.3], CASE, "S", "W")
    with pytest.raises(ConfigurationError, match="model"):
        evaluate_scores([0.1, 0.2, 0.3, 0.4], CASE, "S", "missing")
    with pytest.raises(ConfigurationError, match="weak"):
        random_metrics(CASE, "S", "S")
    with pytest.raises(ConfigurationError, match="share"):
        random_metrics(CASE, "S", "W").quality_at(1.5)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 1), st.integers(0, 4)), min_size=1, max_size=40
    )
)
def test_curve_runs_from_weak_to_strong_and_agrees_with_strong_weights(
    rows: list[tuple[int, int, int]],
) -> None:
    strong = np.array([row[0] for row in rows], dtype=float)
    weak = np.array([row[1] for row in rows], dtype=float)
    scores = np.array([row[2] for row in rows], dtype=float) / 4
    curve = quality_curve(scores, strong, weak)
    assert curve[0, 0] == 0.0 and curve[-1, 0] == 1.0
    assert curve[0, 1] == pytest.approx(weak.mean()) and curve[-1, 1] == pytest.approx(strong.mean())
    for share in (0.0, 0.3, 0.5, 0.9):
        weights = strong_weights(scores, share)
        assert weights.mean() == pytest.approx(share)
        routed = float(np.mean(weak + weights * (strong - weak)))
        assert routed == pytest.approx(float(np.interp(share, curve[:, 0], curve[:, 1])))
    table = make_table(list(strong), list(weak))
    assert oracle_metrics(table, "S", "W").auc >= evaluate_scores(scores, table, "S", "W").auc - 1e-12
