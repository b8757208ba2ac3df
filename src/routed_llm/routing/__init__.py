"""Routing policies: turn scores into a choice of model."""

from routed_llm.routing.threshold import ThresholdPolicy, calibrate, check_threshold, threshold_for_share

__all__ = ["ThresholdPolicy", "calibrate", "check_threshold", "threshold_for_share"]
