"""Load simulation: a request trace with a spike, static threshold against budget + concurrency policies.

Two loopback "providers" answer as ``openai/gpt-4o`` (strong: slow, and it answers 429
when more than ``--strong-capacity`` requests are in flight, as a saturated provider does)
and ``openai/gpt-4o-mini`` (weak: fast), priced by litellm's price map on the token counts
the fake reports. Requests replay real prompts of the shared GSM8K/MMLU data at a steady
rate, then a spike, then steady again; quality is the published correctness of the model
each request went to. Both configurations route with the same scorer and the same base
threshold; the adaptive one adds a :class:`SpendBudget` and a :class:`ConcurrencyCap`
(and falls back to the other model on a provider error).

Run: ``.venv/bin/python benchmarks/load_simulation.py [--router default]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from routed_llm import ProviderError, RoutedClient  # noqa: E402
from routed_llm.evaluation.loaders import load_benchmark  # noqa: E402
from routed_llm.routing import ConcurrencyCap, SpendBudget, calibrate  # noqa: E402
from routed_llm.testing import FakeProvider, FakeReply  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "routellm"
STRONG_COLUMN, WEAK_COLUMN = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"


class SaturatingProvider:
    """Responder: the strong model is slow and refuses (429) beyond its capacity."""

    def __init__(self, capacity: int, strong_delay: float, weak_delay: float) -> None:
        self.capacity = capacity
        self.delays = {"gpt-4o": strong_delay, "gpt-4o-mini": weak_delay}
        self.in_flight = 0
        self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> FakeReply:
        model = body["model"]
        if model != "gpt-4o":
            return FakeReply(content="The answer is 42.", delay_s=self.delays[model])
        with self.lock:
            if self.in_flight >= self.capacity:
                return FakeReply(status=429, error_message="rate limited: too many concurrent requests")
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            time.sleep(self.delays[model])
        finally:
            with self.lock:
                self.in_flight -= 1
        return FakeReply(content="The answer is 42, with a careful derivation.")


@dataclass
class Result:
    sent_at: float
    role: str | None
    cost: float
    quality: float
    error: bool
    policy: str | None


def trace(steady_rps: float, spike_rps: float, steady_s: float, spike_s: float) -> np.ndarray:
    """Arrival times (seconds): steady, spike, steady."""
    times, t = [], 0.0
    for rate, duration in ((steady_rps, steady_s), (spike_rps, spike_s), (steady_rps, steady_s)):
        end = t + duration
        while t < end:
            times.append(t)
            t += 1.0 / rate
    return np.asarray(times)


async def replay(client: RoutedClient, arrivals: np.ndarray, prompts: list[str], strong_q: np.ndarray,
                 weak_q: np.ndarray) -> list[Result]:
    start = time.perf_counter()

    async def one(i: int) -> Result:
        await asyncio.sleep(max(0.0, arrivals[i] - (time.perf_counter() - start)))
        sent = time.perf_counter() - start
        try:
            reply = await client.acomplete(prompts[i], max_tokens=32)
        except ProviderError:
            return Result(sent, None, 0.0, 0.0, True, None)
        role = reply.decision.role
        return Result(sent, role, reply.decision.cost or 0.0,
                      float(strong_q[i] if role == "strong" else weak_q[i]), False, reply.decision.policy)

    return list(await asyncio.gather(*(one(i) for i in range(len(arrivals)))))


def max_rolling_spend(results: list[Result], window: float) -> float:
    events = sorted((r.sent_at, r.cost) for r in results if not r.error)
    best, total, head = 0.0, 0.0, 0
    for t, cost in events:
        total += cost
        while events[head][0] < t - window:
            total -= events[head][1]
            head += 1
        best = max(best, total)
    return best


def report(name: str, results: list[Result], budget: float, window: float, peak: int, cap: int) -> None:
    print(f"\n== {name}")
    print(f"{'second':>6} {'requests':>8} {'strong':>7} {'errors':>6} {'spend $':>9} {'quality':>8}")
    last = int(max(r.sent_at for r in results)) + 1
    for second in range(last):
        block = [r for r in results if second <= r.sent_at < second + 1]
        ok = [r for r in block if not r.error]
        strong = np.mean([r.role == "strong" for r in ok]) if ok else 0.0
        quality = np.mean([r.quality for r in block]) if block else 0.0
        print(f"{second:6d} {len(block):8d} {strong:7.1%} {sum(r.error for r in block):6d} "
              f"{sum(r.cost for r in block):9.5f} {quality:8.3f}")
    ok = [r for r in results if not r.error]
    print(f"total: {len(results)} requests, {sum(r.error for r in results)} failed, strong share "
          f"{np.mean([r.role == 'strong' for r in ok]):.1%}, quality {np.mean([r.quality for r in results]):.3f} "
          f"(failed = 0), spend ${sum(r.cost for r in results):.5f}")
    print(f"max spend in any {window:.0f}s window: ${max_rolling_spend(results, window):.5f} (budget ${budget:.5f}); "
          f"peak strong concurrency at the provider: {peak} (cap {cap})")
    acted: dict[str, int] = {}
    for r in ok:
        acted[r.policy or "-"] = acted.get(r.policy or "-", 0) + 1
    print("decisions by policy: " + ", ".join(f"{k}={v}" for k, v in sorted(acted.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--router", default="default")
    parser.add_argument("--strong-share", type=float, default=0.5, help="base share for the static threshold")
    parser.add_argument("--steady-rps", type=float, default=15)
    parser.add_argument("--spike-rps", type=float, default=80)
    parser.add_argument("--steady-s", type=float, default=4)
    parser.add_argument("--spike-s", type=float, default=4)
    parser.add_argument("--strong-capacity", type=int, default=6, help="provider's concurrent strong requests")
    parser.add_argument("--cap", type=int, default=5, help="ConcurrencyCap for the adaptive client")
    parser.add_argument("--budget-window", type=float, default=2.0, help="SpendBudget window (s)")
    parser.add_argument("--budget-fraction", type=float, default=0.6,
                        help="budget as a fraction of what the static client spends per window at steady load")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    import litellm

    litellm.suppress_debug_info = True  # the failures are the point here; keep the report readable

    table = load_benchmark(args.data / "gsm8k" / "gsm8k_responses.csv")
    mmlu = load_benchmark(args.data / "mmlu")
    rng = np.random.default_rng(args.seed)
    arrivals = trace(args.steady_rps, args.spike_rps, args.steady_s, args.spike_s)
    rows = rng.integers(0, len(table) + len(mmlu), len(arrivals))
    prompts = [table.prompts[i] if i < len(table) else mmlu.prompts[i - len(table)] for i in rows]
    strong_q = np.array([table.column(STRONG_COLUMN)[i] if i < len(table) else mmlu.column(STRONG_COLUMN)[i - len(table)]
                         for i in rows])
    weak_q = np.array([table.column(WEAK_COLUMN)[i] if i < len(table) else mmlu.column(WEAK_COLUMN)[i - len(table)]
                       for i in rows])

    with FakeProvider() as provider:
        common = {"api_base": provider.base_url, "api_key": "sim", "num_retries": 0}
        probe = RoutedClient("openai/gpt-4o", "openai/gpt-4o-mini", scorer=args.router, **common)
        threshold = calibrate(probe.scorer, prompts[:200], args.strong_share)
        # What the static client spends per window at steady load, to set a budget that binds.
        per_request = probe._prices.cost("openai/gpt-4o", 150, 12) * args.strong_share + \
            probe._prices.cost("openai/gpt-4o-mini", 150, 12) * (1 - args.strong_share)
        budget = per_request * args.steady_rps * args.budget_window * args.budget_fraction * 2

        for name, policies, fallback in (
            ("static threshold", [], False),
            ("budget + concurrency cap + fallback", [SpendBudget(budget, args.budget_window),
                                                     ConcurrencyCap(args.cap)], True),
        ):
            saturating = SaturatingProvider(args.strong_capacity, strong_delay=0.4, weak_delay=0.05)
            provider.responder = saturating
            client = RoutedClient("openai/gpt-4o", "openai/gpt-4o-mini", scorer=probe.scorer, threshold=threshold,
                                  policies=policies, fallback=fallback, **common)
            results = asyncio.run(replay(client, arrivals, prompts, strong_q, weak_q))
            report(name, results, budget, args.budget_window, saturating.peak, args.cap)


if __name__ == "__main__":
    main()
