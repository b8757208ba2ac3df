"""The rules of a cut-off, shared by every entry point and every layer that takes one.

A threshold and a strong-call share are both probabilities (scores are), so one range
rule covers them; and a routing call has at most one cut-off. The configuration
(:class:`routed_llm.RoutingConfig`), a call's options, the router and the scorers'
calibration all apply these functions, so an entry point cannot accept what another
refuses.
"""

from __future__ import annotations

from typing import Any

from routed_llm.errors import ConfigurationError

__all__ = ["check_cut_off", "check_fraction"]


def check_fraction(field: str, value: Any) -> float:
    """The range rule for thresholds and strong-call shares: a finite number in [0, 1], not a bool.

    0 sends everything strong (``strong_share=0`` everything weak); anything else (``2``,
    NaN, ``True``) is a typo that would silently send every prompt to one model.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ConfigurationError(field, f"must be a number between 0 and 1, got {value!r}")
    return float(value)


def check_cut_off(threshold: Any, strong_share: Any, *, n_models: bool = False) -> None:
    """At most one of ``threshold`` and ``strong_share``, each in [0, 1]; none for N models,
    which weigh cost instead."""
    if n_models and (threshold is not None or strong_share is not None):
        raise ConfigurationError("threshold", "N-model routing weighs cost with cost_weight, not a threshold")
    if threshold is not None and strong_share is not None:
        raise ConfigurationError("threshold", "give either threshold or strong_share, not both")
    if threshold is not None:
        check_fraction("threshold", threshold)
    if strong_share is not None:
        check_fraction("strong_share", strong_share)
