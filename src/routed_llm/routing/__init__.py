"""Routing policies: turn scores into a choice of model, and adapt it as conditions change."""

from routed_llm.routing.guards import ConcurrencyCap, LatencyTarget, SpendBudget
from routed_llm.routing.nmodel import Candidate, CostQualityPolicy, solve_cost_weight
from routed_llm.routing.online import OnlineCalibrator
from routed_llm.routing.ood import OutOfDistributionGuard
from routed_llm.routing.policy import CallOutcome, RoutingPolicy
from routed_llm.routing.state import MemoryState, RedisState, ScoreWindowStore, SpendLedgerStore, StateStore
from routed_llm.routing.threshold import ThresholdPolicy, calibrate, check_threshold, threshold_for_share

__all__ = [
    "CallOutcome",
    "Candidate",
    "ConcurrencyCap",
    "CostQualityPolicy",
    "LatencyTarget",
    "MemoryState",
    "OnlineCalibrator",
    "OutOfDistributionGuard",
    "RedisState",
    "RoutingPolicy",
    "ScoreWindowStore",
    "SpendBudget",
    "SpendLedgerStore",
    "StateStore",
    "ThresholdPolicy",
    "calibrate",
    "check_threshold",
    "solve_cost_weight",
    "threshold_for_share",
]
