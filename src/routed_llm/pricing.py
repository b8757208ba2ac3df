"""Per-token prices: the user's own, else litellm's price map.

Lookups are cached per model on the :class:`PriceBook`, which the client owns; litellm
is imported only when a price is first needed.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from routed_llm.errors import ConfigurationError

__all__ = ["ModelPrice", "PriceBook"]


@dataclass(frozen=True)
class ModelPrice:
    """USD per input (prompt) and per output (completion) token."""

    input_per_token: float
    output_per_token: float

    def __post_init__(self) -> None:
        for field_name in ("input_per_token", "output_per_token"):
            value = getattr(self, field_name)
            if not isinstance(value, (int, float)) or value < 0:
                raise ConfigurationError(f"prices.{field_name}", f"must be a number >= 0, got {value!r}")

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """USD for a call with these token counts."""
        return prompt_tokens * self.input_per_token + completion_tokens * self.output_per_token


class PriceBook:
    """Resolves a model's price once and remembers it (thread-safe)."""

    def __init__(self, overrides: Mapping[str, ModelPrice] | None = None) -> None:
        self._prices: dict[str, ModelPrice | None] = dict(overrides or {})
        self._lock = threading.Lock()

    def price(self, model: str) -> ModelPrice | None:
        """The model's price, or ``None`` when neither the overrides nor litellm know it."""
        if model in self._prices:  # entries are only ever added, so a read needs no lock
            return self._prices[model]
        found = _litellm_price(model)
        with self._lock:
            self._prices.setdefault(model, found)
            return self._prices[model]

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
        """USD for a call to ``model``, or ``None`` when the model is unpriced."""
        price = self.price(model)
        return None if price is None else price.cost(prompt_tokens, completion_tokens)


def _litellm_price(model: str) -> ModelPrice | None:
    import litellm

    try:
        info = litellm.get_model_info(model)
    except Exception:  # litellm raises a bare Exception for unmapped models
        return None
    input_cost = info.get("input_cost_per_token")
    output_cost = info.get("output_cost_per_token")
    if input_cost is None or output_cost is None:
        return None
    return ModelPrice(float(input_cost), float(output_cost))
