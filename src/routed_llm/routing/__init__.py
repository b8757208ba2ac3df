"""Routing: routers that choose a model and admit calls, and the policies that adapt them."""

from routed_llm.routing.guards import ConcurrencyCap, LatencyTarget, SpendBudget
from routed_llm.routing.lease import Lease
from routed_llm.routing.nmodel import Candidate, CostQualityPolicy, solve_cost_weight
from routed_llm.routing.online import OnlineCalibrator
from routed_llm.routing.ood import OutOfDistributionGuard
from routed_llm.routing.policy import CallOutcome, CostEstimate, Grant, RoutingPolicy
from routed_llm.routing.router import FleetRouter, PairRouter, Router
from routed_llm.routing.state import MemoryState, RedisState, ScoreWindowStore, SpendLedgerStore, StateStore
from routed_llm.routing.threshold import ThresholdPolicy, calibrate, threshold_for_share

__all__ = [
    "CallOutcome",
    "Candidate",
    "ConcurrencyCap",
    "CostEstimate",
    "CostQualityPolicy",
    "FleetRouter",
    "Grant",
    "LatencyTarget",
    "Lease",
    "MemoryState",
    "OnlineCalibrator",
    "OutOfDistributionGuard",
    "PairRouter",
    "RedisState",
    "Router",
    "RoutingPolicy",
    "ScoreWindowStore",
    "SpendBudget",
    "SpendLedgerStore",
    "StateStore",
    "ThresholdPolicy",
    "calibrate",
    "solve_cost_weight",
    "threshold_for_share",
]
