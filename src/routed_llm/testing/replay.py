"""A replay provider: each model answers each prompt with its recorded answer, at its recorded cost.

Published per-prompt results (RouterBench, RouteLLM GSM8K; read with
:mod:`routed_llm.evaluation.loaders.responses`) hold what every model answered and, for
RouterBench, what that call cost. Serving them over the fake provider's OpenAI-compatible
loopback server lets the *real* client (litellm, the router, the ledger, fallbacks,
streams) run end to end on them, so a benchmark measures the program users run.

How the recorded cost comes out of the client: the client prices a call as
``prompt_tokens * input price + completion_tokens * output price``. The replay reports
``prompt_tokens = 0`` and ``completion_tokens = round(cost / TOKEN_USD)`` and
:meth:`ReplayProvider.prices` gives the client a price table of ``TOKEN_USD`` per completion
token for every replayed model, so ``decision.cost`` and ``usage()`` are the recorded USD
(to within ``TOKEN_USD / 2`` = half a nano-dollar). The token counts in the ledger are
therefore cost units, not tokens. Where a source records no cost (RouteLLM's files), the
cost is estimated from the text lengths (four characters a token) at the litellm price of
the model named for it in ``price_models``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from routed_llm.errors import ConfigurationError
from routed_llm.evaluation.loaders.responses import ResponseRecord
from routed_llm.pricing import ModelPrice, PriceBook
from routed_llm.testing.fake_provider import FakeProvider, FakeReply

__all__ = ["TOKEN_USD", "ReplayProvider"]

TOKEN_USD = 1e-9
"""The price of one replayed completion token: one nano-dollar."""


class ReplayProvider(FakeProvider):
    """Serve ``records`` over HTTP: a chat request for model ``m`` whose last user message is a
    recorded prompt gets ``m``'s recorded answer; anything else is a 404 naming what is missing.

    ``price_models`` maps a replayed model without recorded costs to a model litellm prices
    (``{"mistralai/Mixtral-8x7B-Instruct-v0.1": "together_ai/mistralai/Mixtral-8x7B-Instruct-v0.1"}``);
    a model that is neither recorded nor mapped costs nothing (and says so in :meth:`unpriced`).
    """

    def __init__(
        self,
        records: Iterable[ResponseRecord],
        *,
        price_models: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(self._answer, host=host, port=port)
        book = PriceBook()
        self.price_models = dict(price_models or {})
        self._answers: dict[tuple[str, str], tuple[str, float]] = {}
        self._unpriced: set[str] = set()
        for record in records:
            for model, response in record.responses.items():
                cost = record.costs.get(model)
                if cost is None:
                    cost = self._estimate(book, model, record.prompt, response)
                self._answers[(model, record.prompt)] = (response, cost)
        self.models = sorted({model for model, _ in self._answers})

    def prices(self, prefix: str = "openai/") -> dict[str, ModelPrice]:
        """The client's ``prices=`` for every replayed model, named as the client names them
        (``prefix`` + the recorded name: litellm's OpenAI-compatible route by default)."""
        return {prefix + model: ModelPrice(0.0, TOKEN_USD) for model in self.models}

    def unpriced(self) -> list[str]:
        """Replayed models with no recorded cost and no ``price_models`` entry (they cost 0)."""
        return sorted(self._unpriced)

    def recorded(self, model: str, prompt: str) -> tuple[str, float] | None:
        """The recorded answer and USD cost of ``model`` on ``prompt``, if any."""
        return self._answers.get((model, prompt))

    def _estimate(self, book: PriceBook, model: str, prompt: str, response: str) -> float:
        priced_as = self.price_models.get(model)
        price = book.price(priced_as) if priced_as is not None else None
        if priced_as is not None and price is None:
            raise ConfigurationError(f"price_models.{model}", f"litellm has no price for {priced_as!r}")
        if price is None:
            self._unpriced.add(model)
            return 0.0
        return price.cost(math.ceil(len(prompt) / 4), math.ceil(len(response) / 4))

    def _answer(self, body: Mapping[str, Any]) -> FakeReply:
        model = str(body.get("model"))
        prompt = _last_user_text(body.get("messages") or [])
        found = self._answers.get((model, prompt))
        if found is None:
            known = "a replayed model" if model in self.models else f"not replayed (replayed: {', '.join(self.models)})"
            return FakeReply(status=404, error_message=f"no recorded answer of {model!r} ({known}) for this prompt")
        response, cost = found
        return FakeReply(content=response, usage={"prompt_tokens": 0, "completion_tokens": round(cost / TOKEN_USD)})


def _last_user_text(messages: Iterable[Mapping[str, Any]]) -> str:
    for message in reversed(list(messages)):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return "".join(part.get("text", "") for part in content if isinstance(part, Mapping))
            return str(content or "")
    return ""
