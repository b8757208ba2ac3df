"""Issue 27 item 3: composed policies keep their books under random orders, demotions,
faults, cancellations and varying costs (``benchmarks/policy_books.py`` runs it longer)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from routed_llm_qa.policy_books import POLICY_NAMES, BooksPlan, run_books

plans = st.builds(
    BooksPlan,
    order=st.permutations(POLICY_NAMES).flatmap(lambda names: st.integers(1, len(names)).map(lambda n: names[:n])),
    calls=st.integers(20, 120),
    slots=st.integers(1, 12),
    usd=st.floats(0.005, 0.2),
    soft_start=st.floats(0.0, 0.99),
    max_strong=st.integers(0, 4),
    fault_rate=st.floats(0.0, 0.3),
    cancel_rate=st.floats(0.0, 0.3),
    demotion_rate=st.floats(0.0, 0.8),
    store_fault_rate=st.floats(0.0, 0.2),
    fallback=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)


@settings(max_examples=60, deadline=None)
@given(plans)
def test_every_composition_returns_every_slot_and_reservation_and_holds_the_budget(plan: BooksPlan) -> None:
    run = run_books(plan)
    assert run.leaked_slots == 0
    assert abs(run.leaked_usd) < 1e-9
    assert abs(run.unbooked_usd) < 1e-9  # answers and billed estimates all reached the budget
    assert run.overshoot <= run.allowed_overshoot + 1e-12
    assert run.balanced


def test_a_run_of_the_documented_order_exercises_every_path() -> None:
    run = run_books(BooksPlan(order=("spend_budget", "concurrency_cap", "latency_target", "random_demotion"),
                              calls=400, seed=7))
    assert run.balanced and run.calls == 400
    assert run.cancellations > 0 and run.faults > 0 and run.attempts > run.calls
    assert run.strong_spend > 0
