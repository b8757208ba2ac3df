"""Replay random compositions of the policies and print whether their books balanced (issue 27).

Each run draws an order of SpendBudget, ConcurrencyCap, LatencyTarget and a policy that
demotes calls at random, then pushes calls through the real router admissions and lease
releases with several in flight at once: costs that vary tenfold, estimates off by up to
half, provider faults (500, 429, timeouts) with and without fallback, cancellations, and a
spend store that fails now and then (``routed_llm_qa.policy_books``):

    python benchmarks/policy_books.py [--runs 2000] [--seed 0]

It prints the runs, calls, attempts, cancellations and faults, the leaks (concurrency slots
and USD still reserved after every run, and USD charged that no budget recorded: all must
be 0) and the worst overshoot of the strong model's spend past its budget, in USD and as a
share of what the guarantee allows (one strong call's cost per concurrent slot).
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from routed_llm_qa.policy_books import POLICY_NAMES, BooksPlan, run_books


def random_plan(rng: random.Random) -> BooksPlan:
    names = list(POLICY_NAMES)
    rng.shuffle(names)
    return BooksPlan(
        order=tuple(names[: rng.randint(1, len(names))]), calls=rng.randint(50, 400), slots=rng.randint(1, 16),
        usd=rng.uniform(0.005, 0.5), soft_start=rng.uniform(0.0, 0.99), max_strong=rng.randint(0, 6), fault_rate=rng.uniform(0.0, 0.3),
        cancel_rate=rng.uniform(0.0, 0.3), demotion_rate=rng.uniform(0.0, 0.8),
        store_fault_rate=rng.uniform(0.0, 0.2), fallback=rng.random() < 0.5, seed=rng.getrandbits(32),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.getLogger("routed_llm").setLevel(logging.ERROR)  # the simulated store failures warn by design
    rng = random.Random(args.seed)
    runs = [run_books(random_plan(rng)) for _ in range(args.runs)]
    budgeted = [run for run in runs if run.allowed_overshoot > 0]
    worst = max(runs, key=lambda run: run.overshoot)
    share = max((run.overshoot / run.allowed_overshoot for run in budgeted), default=0.0)
    print(f"runs {len(runs)}  calls {sum(r.calls for r in runs)}  attempts {sum(r.attempts for r in runs)}  "
          f"cancellations {sum(r.cancellations for r in runs)}  faults {sum(r.faults for r in runs)}")
    print(f"leaked slots {sum(r.leaked_slots for r in runs)}  "
          f"leaked reservations ${max(abs(r.leaked_usd) for r in runs):.2e} (worst run)  "
          f"unbooked spend ${max(abs(r.unbooked_usd) for r in runs):.2e} (worst run)  "
          f"unbalanced runs {sum(not r.balanced for r in runs)}")
    print(f"worst overshoot ${worst.overshoot:.4f} past the budget; at most {share:.1%} of the allowance "
          "(one strong call's cost per concurrent slot)")


if __name__ == "__main__":
    main()
