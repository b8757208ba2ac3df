"""Composed policies replayed under random traffic: after every run the books must balance.

A run draws an order of the budget, concurrency and latency policies plus a policy that
demotes calls at random, then pushes calls through the real :class:`~routed_llm.PairRouter`
admissions and :class:`~routed_llm.Lease` releases, as the client's attempt loop does,
with several calls in flight at once: answers of varying cost, provider faults (500 and
429, then the fallback), timeouts and cancellations (billed an estimate, as the client
bills them), estimates that miss the actual cost by up to half, and a spend store that
fails now and then while admitting. :class:`BooksRun` says what it found; the property
test (``tests/unit/test_policy_books.py``) and ``benchmarks/policy_books.py`` check that
no slot or reservation is left and that strong spend stays within the budget plus one
call's cost per concurrent slot.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from routed_llm.decision import ModelRole
from routed_llm.errors import StateStoreError
from routed_llm.routing.guards import ConcurrencyCap, LatencyTarget, SpendBudget
from routed_llm.routing.lease import Lease
from routed_llm.routing.policy import RoutingPolicy
from routed_llm.routing.router import PairRouter
from routed_llm.routing.state import MemorySpendLedger
from routed_llm.testing.fake_scorer import FakeScorer

__all__ = ["POLICY_NAMES", "BooksPlan", "BooksRun", "RandomDemotion", "run_books"]

POLICY_NAMES = ("spend_budget", "concurrency_cap", "latency_target", "random_demotion")
_STRONG, _WEAK = "sim/strong", "sim/weak"


@dataclass(frozen=True)
class BooksPlan:
    """One run: which policies in which order, how hostile the traffic is, and its seed."""

    order: tuple[str, ...]
    """Policy names from :data:`POLICY_NAMES`, in the order the router applies them."""
    calls: int = 200
    slots: int = 8
    """The most calls in flight at once."""
    usd: float = 0.05
    soft_start: float = 0.5
    """Where the budget starts raising the bar; near 1, only the reservations hold the limit."""
    max_strong: int = 3
    fault_rate: float = 0.1
    cancel_rate: float = 0.1
    demotion_rate: float = 0.3
    store_fault_rate: float = 0.05
    fallback: bool = True
    seed: int = 0


@dataclass(frozen=True)
class BooksRun:
    """What one run left behind: every ``leaked_*`` must be 0 and ``overshoot`` within ``allowed_overshoot``."""

    calls: int
    attempts: int
    cancellations: int
    faults: int
    leaked_slots: int
    leaked_usd: float
    unbooked_usd: float
    """Money the provider was charged (answers and estimates) that the budget did not record
    (0 when the run has no budget, as is ``overshoot``)."""
    strong_spend: float
    overshoot: float
    """USD the strong model's spend went past the budget (0 when within)."""
    allowed_overshoot: float
    """One strong call's cost per concurrent slot: what calls admitted before the budget closed may add."""

    @property
    def balanced(self) -> bool:
        return (self.leaked_slots == 0 and abs(self.leaked_usd) < 1e-9 and abs(self.unbooked_usd) < 1e-9
                and self.overshoot <= self.allowed_overshoot + 1e-12)


class RandomDemotion(RoutingPolicy):
    """Sends a strong-bound call weak with probability ``rate``: a later policy the others must not trust."""

    name = "random_demotion"

    def __init__(self, rng: random.Random, rate: float) -> None:
        self.rng = rng
        self.rate = rate

    def admit(self, role: ModelRole) -> ModelRole:
        return "weak" if role == "strong" and self.rng.random() < self.rate else role


class _FlakyLedger(MemorySpendLedger):
    """A ledger whose admission-time reads and reservations fail now and then, as a Redis blip would."""

    def __init__(self, rng: random.Random, rate: float) -> None:
        super().__init__()
        self.rng = rng
        self.rate = rate

    def _blip(self) -> None:
        if self.rng.random() < self.rate:
            raise StateStoreError("simulated store failure")

    def total(self, since: float) -> float:
        self._blip()
        return super().total(since)

    def try_reserve(self, usd: float, *, limit: float, since: float) -> bool:
        self._blip()
        return super().try_reserve(usd, limit=limit, since=since)


class _Fault(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"simulated HTTP {status}")
        self.status_code = status


@dataclass
class _Call:
    attempts: Iterator[Lease]
    lease: Lease
    costs: dict[str, float]


def run_books(plan: BooksPlan) -> BooksRun:
    """Replay ``plan`` and report what the policies' books hold at the end."""
    rng = random.Random(plan.seed)
    ticks = [0.0]
    budget = SpendBudget(plan.usd, window_s=1e9, soft_start=plan.soft_start, clock=lambda: 0.0,
                         store=_FlakyLedger(rng, plan.store_fault_rate))
    cap = ConcurrencyCap(plan.max_strong, cooldown_s=3.0, clock=lambda: ticks[0])
    available: dict[str, RoutingPolicy] = {
        "spend_budget": budget, "concurrency_cap": cap, "latency_target": LatencyTarget(0.5, probe_every=3),
        "random_demotion": RandomDemotion(rng, plan.demotion_rate),
    }
    router = PairRouter(_STRONG, _WEAK, FakeScorer(default=0.9), 0.5,
                        policies=[available[name] for name in plan.order])
    in_flight: list[_Call] = []
    charged = strong_spend = 0.0
    started = attempts = cancellations = faults = 0
    largest_strong = 0.0

    def start() -> None:
        nonlocal attempts
        costs = {_STRONG: rng.uniform(0.001, 0.01), _WEAK: rng.uniform(0.0, 0.001)}
        miss = rng.uniform(0.5, 1.5)  # estimates are off by up to half, either way
        decision = router.route("a prompt")  # a store failure here makes the budget fail closed, not raise
        calls = router.attempts(decision, fallback=plan.fallback, estimate=lambda model: costs[model] * miss)
        lease = next(calls, None)
        if lease is not None:
            attempts += 1
            in_flight.append(_Call(calls, lease, costs))

    def finish(call: _Call) -> None:
        nonlocal charged, strong_spend, attempts, cancellations, faults, largest_strong
        lease, draw = call.lease, rng.random()
        billed = call.costs[lease.model] * 0.3  # what a call that never answered is billed: its prompt
        if draw < plan.cancel_rate:
            cancellations += 1
            lease.cancel(cost=billed)
            cost: float | None = billed
        elif draw < plan.cancel_rate + plan.fault_rate:
            faults += 1
            status = rng.choice((500, 429, 408))
            cost = billed if status == 408 else None
            lease.release(cost=cost, error=_Fault(status), latency_s=rng.uniform(0.1, 2.0))
            following = next(call.attempts, None)
            if following is not None:
                attempts += 1
                in_flight.append(_Call(call.attempts, following, call.costs))
        else:
            cost = call.costs[lease.model]
            lease.release(cost=cost, latency_s=rng.uniform(0.1, 2.0))
        if cost is not None:
            charged += cost
            if lease.role == "strong":
                strong_spend += cost
                largest_strong = max(largest_strong, cost)

    while started < plan.calls or in_flight:
        ticks[0] += 1.0
        if started < plan.calls and len(in_flight) < plan.slots and (not in_flight or rng.random() < 0.6):
            started += 1
            start()
        else:
            finish(in_flight.pop(rng.randrange(len(in_flight))))
    budget.store.rate = 0.0  # type: ignore[attr-defined]  # read the books without blips
    limited = "spend_budget" in plan.order
    return BooksRun(
        calls=started, attempts=attempts, cancellations=cancellations, faults=faults,
        leaked_slots=cap.in_flight, leaked_usd=budget.store.reserved(),
        unbooked_usd=charged - budget.store.total(float("-inf")) if limited else 0.0,
        strong_spend=strong_spend, overshoot=max(0.0, strong_spend - plan.usd) if limited else 0.0,
        allowed_overshoot=plan.slots * largest_strong,
    )
