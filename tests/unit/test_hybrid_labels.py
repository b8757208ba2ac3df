"""Hybrid LLM's label schemes, checked against hand-computed values and the paper's definitions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routed_llm.data.hybrid_labels import (
    choose_relaxation,
    det_labels,
    label_spread,
    prob_labels,
    trans_labels,
)
from routed_llm.errors import ConfigurationError


def test_det_labels_are_hard_and_count_ties_for_the_small_model() -> None:
    labels = det_labels([0.2, 0.5, 0.9], [0.3, 0.5, 0.1])
    np.testing.assert_array_equal(labels, [0.0, 1.0, 1.0])


def test_det_labels_use_the_first_sample_of_each_model() -> None:
    labels = det_labels([[1.0, 0.0]], [[0.0, 1.0]])
    np.testing.assert_array_equal(labels, [1.0])


def test_prob_labels_are_the_share_of_pairs_where_small_is_not_worse() -> None:
    small = [[0.1, 0.5, 0.9]]
    large = [[0.4, 0.6]]
    # pairs (s, l): small >= large for (0.5, 0.4), (0.9, 0.4), (0.9, 0.6) -> 3 of 6
    np.testing.assert_allclose(prob_labels(small, large), [0.5])


def test_prob_labels_reduce_to_det_with_one_sample_each() -> None:
    rng = np.random.default_rng(0)
    small, large = rng.integers(0, 2, 50).astype(float), rng.integers(0, 2, 50).astype(float)
    np.testing.assert_array_equal(prob_labels(small, large), det_labels(small, large))


def test_trans_labels_relax_the_condition_by_t() -> None:
    small = [[0.1, 0.5]]
    large = [[0.4, 0.6]]
    np.testing.assert_allclose(trans_labels(small, large, 0.0), [0.25])
    np.testing.assert_allclose(trans_labels(small, large, 0.15), [0.5])
    np.testing.assert_allclose(trans_labels(small, large, 0.5), [1.0])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-5, 0), st.floats(-5, 0)), min_size=1, max_size=12),
    st.floats(0, 3),
    st.floats(0, 3),
)
def test_trans_labels_grow_with_t_and_stay_in_unit_interval(pairs, t1, t2) -> None:
    small = np.array([p[0] for p in pairs])
    large = np.array([p[1] for p in pairs])
    low, high = sorted((t1, t2))
    a, b = trans_labels(small, large, low), trans_labels(small, large, high)
    assert np.all((a >= 0) & (a <= 1))
    assert np.all(b >= a)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_label_spread_matches_the_quadratic_definition(values) -> None:
    y = np.array(values)
    brute = sum(abs(a - b) for a, b in itertools.product(y, y)) / len(y) ** 2
    assert label_spread(y) == pytest.approx(brute, abs=1e-9)


def test_choose_relaxation_balances_labels_when_the_small_model_lags() -> None:
    # the small model trails by 0.3 on half of the prompts and by 0.1 on the other half:
    # t = 0 labels everything 0, t >= 0.3 labels everything 1; t = 0.1 splits them evenly.
    small = np.array([0.0, 0.0, 0.0, 0.0])
    large = np.array([0.1, 0.1, 0.3, 0.3])
    t = choose_relaxation(small, large)
    assert t == pytest.approx(0.1)
    np.testing.assert_allclose(trans_labels(small, large, t), [1, 1, 0, 0])


def test_choose_relaxation_keeps_zero_when_labels_are_already_spread() -> None:
    assert choose_relaxation([1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]) == 0.0


def test_choose_relaxation_accepts_explicit_candidates() -> None:
    small = np.array([0.0, 0.0])
    large = np.array([0.1, 0.3])
    assert choose_relaxation(small, large, candidates=[0.0, 0.5]) == 0.0
    with pytest.raises(ConfigurationError, match="candidates"):
        choose_relaxation(small, large, candidates=[-1.0])


def test_mismatched_or_bad_inputs_name_the_field() -> None:
    with pytest.raises(ConfigurationError, match="q_large"):
        det_labels([1.0, 0.0], [1.0])
    with pytest.raises(ConfigurationError, match="q_small"):
        prob_labels([[np.nan]], [[1.0]])
    with pytest.raises(ConfigurationError, match="t"):
        trans_labels([1.0], [1.0], -0.5)
