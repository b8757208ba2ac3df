"""What a call costs before it answers: the reservation a budget holds, and the bill of a
call that never answered.

A budget that reserved nothing until it had seen a call would let a cold burst through
unpriced, so a call is estimated from the price table before it is made: its prompt's
tokens, plus a completion allowance (the call's ``max_tokens`` when given, else the
longest completion this client has seen from that model, else
:data:`DEFAULT_COMPLETION_TOKENS`). A provider bills a call it started even when nobody
reads the answer, so a call that was cancelled, timed out or broke mid-stream is billed
its prompt's tokens: an estimate, better than the zero it would otherwise count.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from routed_llm.pricing import PriceBook

__all__ = ["DEFAULT_COMPLETION_TOKENS", "CallEstimator"]

DEFAULT_COMPLETION_TOKENS = 256
"""The completion allowance of a model this client has not seen answer yet."""


class CallEstimator:
    """Estimates of a call's cost from the price table, learning completion lengths as calls answer."""

    def __init__(self, prices: PriceBook, *, completion_tokens: int = DEFAULT_COMPLETION_TOKENS) -> None:
        self.prices = prices
        self.completion_tokens = completion_tokens
        self._longest: dict[str, int] = {}
        self._lock = threading.Lock()

    def observe(self, model: str, completion_tokens: int) -> None:
        """Remember an answered call's completion length (the allowance is the longest seen)."""
        with self._lock:
            if completion_tokens > self._longest.get(model, 0):
                self._longest[model] = completion_tokens

    def prompt_tokens(self, model: str, messages: Sequence[Mapping[str, Any]]) -> int:
        """The prompt's tokens: the larger of litellm's count for ``model`` and a quarter of the
        characters of the JSON sent (what providers' own counts rarely exceed), so that a
        reservation errs high rather than low."""
        import litellm

        by_length = math.ceil(len(json.dumps(list(messages), ensure_ascii=False, default=str)) / 4)
        try:
            counted = int(litellm.token_counter(model=model, messages=list(messages)))
        except Exception:  # content litellm cannot count (odd parts): the length alone
            counted = 0
        return max(1, counted, by_length)

    def completion_allowance(self, model: str, kwargs: Mapping[str, Any]) -> int:
        for name in ("max_completion_tokens", "max_tokens"):
            value = kwargs.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
        with self._lock:
            return self._longest.get(model, self.completion_tokens)

    def reservation(self, model: str, prompt_tokens: int, kwargs: Mapping[str, Any]) -> float | None:
        """USD to hold for a call to ``model`` before it answers (``None``: unpriced)."""
        return self.prices.cost(model, prompt_tokens, self.completion_allowance(model, kwargs))
