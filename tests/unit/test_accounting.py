from __future__ import annotations

import threading

import pytest

from routed_llm import ConfigurationError, ModelPrice, RoutingDecision
from routed_llm.accounting import Ledger
from routed_llm.pricing import PriceBook


def test_ledger_totals_and_saving() -> None:
    ledger = Ledger()
    ledger.record("big", 100, 10, 1.0, 1.0)
    ledger.record("small", 100, 10, 0.1, 1.0)
    report = ledger.report()
    assert report.calls == 2
    assert report.models["small"].prompt_tokens == 100
    assert report.cost == pytest.approx(1.1)
    assert report.always_strong_cost == pytest.approx(2.0)
    assert report.saving == pytest.approx(0.9)
    assert report.saving_ratio == pytest.approx(0.45)
    assert "saved 45.0%" in str(report)


def test_unpriced_calls_are_counted_not_read_as_zero() -> None:
    ledger = Ledger()
    ledger.record("local", 5, 5, None, None)
    report = ledger.report()
    assert report.models["local"].unpriced_calls == 1
    assert report.always_strong_cost is None and report.saving is None


def test_ledger_is_exact_under_threads() -> None:
    ledger = Ledger()

    def work() -> None:
        for _ in range(1000):
            ledger.record("m", 1, 2, 0.5, 1.0)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    usage = ledger.report().models["m"]
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens) == (8000, 8000, 16000)


def test_price_book_prefers_overrides_then_litellm() -> None:
    book = PriceBook({"mine/model": ModelPrice(1e-6, 2e-6)})
    assert book.cost("mine/model", 1000, 500) == pytest.approx(2e-3)
    assert book.price("openai/gpt-4o") is not None  # from litellm's bundled price map
    assert book.cost("openai/no-such-model-xyz", 10, 10) is None


def test_model_price_validation_names_the_field() -> None:
    with pytest.raises(ConfigurationError, match="input_per_token"):
        ModelPrice(-1.0, 0.0)


def test_decision_outcome_is_a_new_object() -> None:
    decision = RoutingDecision("random", 0.7, 0.5, "big", "strong", 0.1)
    after = decision.with_outcome(cost=0.01, model="small", role="weak", routed_model="big")
    assert decision.cost is None and not decision.fallback
    assert after.fallback and after.to_dict()["fallback"] is True and after.to_dict()["cost"] == 0.01


def test_decision_outcome_keeps_the_other_fields_and_refuses_unknown_ones() -> None:
    decision = RoutingDecision("random", 0.7, 0.5, "big", "strong", 0.1, extra={"ranking": ["big"]})
    after = decision.with_outcome(cost=0.02)
    assert after == RoutingDecision("random", 0.7, 0.5, "big", "strong", 0.1, cost=0.02, extra={"ranking": ["big"]})
    assert after.to_dict() == {**decision.to_dict(), "cost": 0.02}
    with pytest.raises(TypeError, match="price"):
        decision.with_outcome(price=1.0)
