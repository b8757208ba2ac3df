"""RoutedClient: score the prompt, choose a model, call it through litellm.

The framework-agnostic engine under every integration. It owns the only routing logic
in the project, so LangChain, LlamaIndex and the proxy plugin translate messages and
nothing else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from routed_llm.accounting import Ledger, UsageReport
from routed_llm.decision import ModelRole, RoutingDecision
from routed_llm.errors import ConfigurationError, ProviderError, RoutedLLMError, ScorerError
from routed_llm.pricing import ModelPrice, PriceBook
from routed_llm.prompts import DEFAULT_MAX_PROMPT_CHARS, Messages, PromptView, prompt_text
from routed_llm.routing.fleet import Fleet
from routed_llm.routing.nmodel import Candidate
from routed_llm.routing.policy import CallOutcome, RoutingPolicy
from routed_llm.routing.threshold import ThresholdPolicy, check_threshold
from routed_llm.scorers.base import RouterScorer, check_scores
from routed_llm.scorers.registry import resolve_scorer
from routed_llm.secrets import redact_mapping, redact_text, secret_values

if TYPE_CHECKING:
    from litellm import ModelResponse

__all__ = ["AsyncRoutedStream", "RoutedClient", "RoutedResponse", "RoutedStream"]

logger = logging.getLogger(__name__)

_ROLES: tuple[ModelRole, ModelRole] = ("strong", "weak")


@dataclass(frozen=True)
class RoutedResponse:
    """A litellm ``ModelResponse`` with the decision that produced it.

    Attributes not defined here (``choices``, ``usage``, ``model``, ...) are read from the
    wrapped response, so code written against litellm keeps working.
    """

    response: ModelResponse
    decision: RoutingDecision

    @property
    def message(self) -> Any:
        return self.response.choices[0].message

    @property
    def content(self) -> str | None:
        """The answer's text (``None`` when the model only called tools)."""
        return self.message.content

    @property
    def tool_calls(self) -> list[Any]:
        return list(self.message.tool_calls or [])

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("response", "decision"):
            raise AttributeError(name)
        return getattr(self.response, name)


class RoutedClient:
    """Route each request to a strong or a weak model, through litellm.

    Example::

        client = RoutedClient(strong="openai/gpt-4o", weak="ollama/llama3.1",
                              router="default", threshold=0.5)
        reply = client.complete([{"role": "user", "content": "Prove Fermat's little theorem"}])
        reply.decision.model, reply.decision.score, reply.content

    Extra keyword arguments (``api_base``, ``api_key``, ``timeout``, ``num_retries``, ...)
    go to every litellm call; ``strong_kwargs`` / ``weak_kwargs`` override them per model,
    and keyword arguments of a single call override both.

    ``policies`` (:mod:`routed_llm.routing`) apply in order on top of the threshold:
    an :class:`~routed_llm.routing.OnlineCalibrator` replaces the cut-off (per-call ones
    included) by the live quantile; budget, concurrency and latency policies may send a
    strong-bound request to the weak model. The decision names the policy that acted.

    N models: ``RoutedClient(models=["openai/gpt-4o", {"model": "groq/llama-3.1-8b",
    "cost": 0.0002}], router="./ensemble-router", cost_weight=50.0)`` picks, per prompt,
    ``argmax predicted quality - cost_weight * expected cost`` (:meth:`set_target_cost`
    solves the weight from a target average cost); the decision's ``extra`` holds every
    candidate's predicted quality and cost. What roles, fallback and policies mean there is
    documented in :mod:`routed_llm.routing.fleet`.
    """

    def __init__(
        self,
        strong: str | None = None,
        weak: str | None = None,
        router: str | RouterScorer | None = "default",
        threshold: float | None = None,
        *,
        strong_share: float | None = None,
        prompt_view: PromptView = "last_user",
        max_prompt_chars: int | None = DEFAULT_MAX_PROMPT_CHARS,
        strong_kwargs: Mapping[str, Any] | None = None,
        weak_kwargs: Mapping[str, Any] | None = None,
        fallback: bool = False,
        prices: Mapping[str, ModelPrice] | None = None,
        policies: Sequence[RoutingPolicy] = (),
        models: Sequence[str | Mapping[str, Any] | Candidate] | None = None,
        cost_weight: float = 0.0,
        **litellm_kwargs: Any,
    ) -> None:
        self.fleet: Fleet | None = None
        if models is not None:
            if strong is not None or weak is not None:
                raise ConfigurationError("models", "give either models=[...] or strong and weak, not both")
            if threshold is not None or strong_share is not None:
                raise ConfigurationError("threshold", "N-model routing weighs cost with cost_weight, not a threshold")
            self.scorer = resolve_scorer(router)
            self.fleet = Fleet(models, self.scorer, PriceBook(prices), cost_weight=cost_weight)
            strong, weak = self.fleet.models[0], self.fleet.models[-1]
            strong_kwargs = {**self.fleet.kwargs_for(strong), **dict(strong_kwargs or {})}
            weak_kwargs = {**self.fleet.kwargs_for(weak), **dict(weak_kwargs or {})}
        for field, model in (("strong", strong), ("weak", weak)):
            if not isinstance(model, str) or not model.strip():
                raise ConfigurationError(field, f"must be a litellm model string, got {model!r}")
        if threshold is not None and strong_share is not None:
            raise ConfigurationError("threshold", "give either threshold or strong_share, not both")
        self.strong: str = strong
        self.weak: str = weak
        if self.fleet is None:
            self.scorer = resolve_scorer(router)
        self.policy = ThresholdPolicy(
            self.scorer.threshold_for_strong_share(strong_share)  # type: ignore[attr-defined]
            if strong_share is not None
            else 0.5 if threshold is None else check_threshold(threshold)
        )
        prompt_text("x", view=prompt_view, max_chars=max_prompt_chars)  # validates both
        self.prompt_view: PromptView = prompt_view
        self.max_prompt_chars = max_prompt_chars
        self.fallback = fallback
        self.policies = tuple(policies)
        for index, policy in enumerate(self.policies):
            if not isinstance(policy, RoutingPolicy):
                raise ConfigurationError(f"policies[{index}]", f"expected a RoutingPolicy, got {type(policy).__name__}")
        self._kwargs: dict[ModelRole, dict[str, Any]] = {
            "strong": {**litellm_kwargs, **dict(strong_kwargs or {})},
            "weak": {**litellm_kwargs, **dict(weak_kwargs or {})},
        }
        self._model_kwargs: dict[str, dict[str, Any]] = {
            model: {**litellm_kwargs, **self.fleet.kwargs_for(model)} for model in (self.fleet.models if self.fleet else [])
        }
        self._model_kwargs.update({strong: self._kwargs["strong"], weak: self._kwargs["weak"]})
        self._secrets = sorted(
            {secret for kwargs in self._model_kwargs.values() for secret in secret_values(kwargs)}, key=len, reverse=True
        )
        self._prices = PriceBook(prices)
        self._ledger = Ledger()

    # -- routing without calling -------------------------------------------------------
    @property
    def threshold(self) -> float:
        return self.policy.threshold

    def model_for(self, role: ModelRole) -> str:
        return self.strong if role == "strong" else self.weak

    def route(
        self,
        messages: Messages,
        *,
        threshold: float | None = None,
        strong_share: float | None = None,
        route_to: str | None = None,
    ) -> RoutingDecision:
        """Score ``messages`` and choose a model, without calling it.

        ``threshold`` or ``strong_share`` override the client's cut-off for this call;
        ``route_to`` pins the model (the decision then records policy ``forced``), which is
        how integrations keep one model through an agent run.
        """
        started = time.perf_counter()
        text = self._prompt(messages)
        if self.fleet is not None:
            return self._choose_among(text, started, threshold, strong_share, route_to)
        score = self._score(text)
        return self._choose(score, started, threshold, strong_share, route_to, self._pinned(text))

    async def aroute(
        self,
        messages: Messages,
        *,
        threshold: float | None = None,
        strong_share: float | None = None,
        route_to: str | None = None,
    ) -> RoutingDecision:
        """:meth:`route` for async code: scorers with an ``ascore`` method are awaited."""
        started = time.perf_counter()
        text = self._prompt(messages)
        if self.fleet is not None:
            return self._choose_among(text, started, threshold, strong_share, route_to)
        ascore = getattr(self.scorer, "ascore", None)
        if ascore is None:
            score = self._score(text)
        else:
            try:
                score = float(check_scores(await ascore([text]), 1, self.scorer.name)[0])
            except RoutedLLMError:
                raise
            except Exception as exc:
                raise ScorerError(f"router {self.scorer.name!r} failed: {type(exc).__name__}: {exc}") from exc
        return self._choose(score, started, threshold, strong_share, route_to, self._pinned(text))

    # -- calling ----------------------------------------------------------------------------
    def complete(
        self,
        messages: Messages,
        *,
        threshold: float | None = None,
        strong_share: float | None = None,
        route_to: str | None = None,
        **kwargs: Any,
    ) -> RoutedResponse:
        """Route and call; ``kwargs`` (``tools``, ``temperature``, ...) go to litellm."""
        decision = self.route(messages, threshold=threshold, strong_share=strong_share, route_to=route_to)
        return self.complete_with(decision, messages, **kwargs)

    async def acomplete(
        self,
        messages: Messages,
        *,
        threshold: float | None = None,
        strong_share: float | None = None,
        route_to: str | None = None,
        **kwargs: Any,
    ) -> RoutedResponse:
        """Async :meth:`complete`."""
        decision = await self.aroute(messages, threshold=threshold, strong_share=strong_share, route_to=route_to)
        return await self.acomplete_with(decision, messages, **kwargs)

    def stream(
        self,
        messages: Messages,
        *,
        threshold: float | None = None,
        strong_share: float | None = None,
        route_to: str | None = None,
        **kwargs: Any,
    ) -> RoutedStream:
        """Route and stream the answer; the stream's ``decision`` is known before the first chunk."""
        decision = self.route(messages, threshold=threshold, strong_share=strong_share, route_to=route_to)
        return self.stream_with(decision, messages, **kwargs)

    async def astream(
        self,
        messages: Messages,
        *,
        threshold: float | None = None,
        strong_share: float | None = None,
        route_to: str | None = None,
        **kwargs: Any,
    ) -> AsyncRoutedStream:
        """Async :meth:`stream`: ``async for chunk in await client.astream(...)``."""
        decision = await self.aroute(messages, threshold=threshold, strong_share=strong_share, route_to=route_to)
        return await self.astream_with(decision, messages, **kwargs)

    def complete_with(self, decision: RoutingDecision, messages: Messages, **kwargs: Any) -> RoutedResponse:
        """Call the model ``decision`` chose (integrations route first, then call)."""
        import litellm

        chat = _chat_messages(messages)
        last: Exception | None = None
        for attempt in self._attempts(decision):
            started = time.perf_counter()
            try:
                response = litellm.completion(**self._call_kwargs(attempt, chat, kwargs))
            except Exception as exc:
                self._release(attempt.role, started, None, exc, model=attempt.model)
                last = exc
                continue
            settled = self._settle(decision, attempt, response.usage)
            self._release(attempt.role, started, settled.cost, None, model=attempt.model)
            return RoutedResponse(response, settled)
        raise self._failure(decision, last)

    async def acomplete_with(self, decision: RoutingDecision, messages: Messages, **kwargs: Any) -> RoutedResponse:
        """Async :meth:`complete_with`."""
        import litellm

        chat = _chat_messages(messages)
        last: Exception | None = None
        for attempt in self._attempts(decision):
            started = time.perf_counter()
            try:
                response = await litellm.acompletion(**self._call_kwargs(attempt, chat, kwargs))
            except Exception as exc:
                self._release(attempt.role, started, None, exc, model=attempt.model)
                last = exc
                continue
            settled = self._settle(decision, attempt, response.usage)
            self._release(attempt.role, started, settled.cost, None, model=attempt.model)
            return RoutedResponse(response, settled)
        raise self._failure(decision, last)

    def stream_with(self, decision: RoutingDecision, messages: Messages, **kwargs: Any) -> RoutedStream:
        """Stream from the model ``decision`` chose; a failure before the first chunk may fall back."""
        import litellm

        chat = _chat_messages(messages)
        last: Exception | None = None
        for attempt in self._attempts(decision):
            started = time.perf_counter()
            try:
                chunks = litellm.completion(**self._call_kwargs(attempt, chat, kwargs, stream=True))
            except Exception as exc:
                self._release(attempt.role, started, None, exc, model=attempt.model)
                last = exc
                continue
            return RoutedStream(self, decision, attempt, chunks, started)
        raise self._failure(decision, last)

    async def astream_with(self, decision: RoutingDecision, messages: Messages, **kwargs: Any) -> AsyncRoutedStream:
        """Async :meth:`stream_with`."""
        import litellm

        chat = _chat_messages(messages)
        last: Exception | None = None
        for attempt in self._attempts(decision):
            started = time.perf_counter()
            try:
                chunks = await litellm.acompletion(**self._call_kwargs(attempt, chat, kwargs, stream=True))
            except Exception as exc:
                self._release(attempt.role, started, None, exc, model=attempt.model)
                last = exc
                continue
            return AsyncRoutedStream(self, decision, attempt, chunks, started)
        raise self._failure(decision, last)

    # -- accounting -------------------------------------------------------------------------
    def usage(self) -> UsageReport:
        """Calls, tokens and cost per model so far, and the always-strong comparison."""
        return self._ledger.report()

    def litellm_kwargs(self, role: ModelRole) -> dict[str, Any]:
        """The keyword arguments every call to ``role``'s model gets, secrets masked."""
        return redact_mapping(self._kwargs[role])

    def __repr__(self) -> str:
        if self.fleet is not None:
            return (
                f"RoutedClient(models={self.fleet.models!r}, router={self.scorer.name!r}, "
                f"cost_weight={self.fleet.policy.cost_weight!r}, fallback={self.fallback!r}, "
                f"litellm_kwargs={redact_mapping(self._kwargs['strong'])!r})"
            )
        return (
            f"RoutedClient(strong={self.strong!r}, weak={self.weak!r}, router={self.scorer.name!r}, "
            f"threshold={self.threshold!r}, fallback={self.fallback!r}, "
            f"litellm_kwargs={redact_mapping(self._kwargs['strong'])!r})"
        )

    # -- internals --------------------------------------------------------------------------
    def _prompt(self, messages: Messages) -> str:
        return prompt_text(messages, view=self.prompt_view, max_chars=self.max_prompt_chars)

    def _score(self, text: str) -> float:
        try:
            return float(check_scores(self.scorer.score([text]), 1, self.scorer.name)[0])
        except RoutedLLMError:
            raise
        except Exception as exc:
            raise ScorerError(f"router {self.scorer.name!r} failed: {type(exc).__name__}: {exc}") from exc

    def _pinned(self, text: str) -> tuple[ModelRole, str] | None:
        """The first policy that pins this prompt (an out-of-distribution guard), and its role."""
        for policy in self.policies:
            role = policy.pin(text)
            if role is not None:
                return role, policy.name
        return None

    def _choose(
        self,
        score: float,
        started: float,
        threshold: float | None,
        strong_share: float | None,
        route_to: ModelRole | None,
        pinned: tuple[ModelRole, str] | None,
    ) -> RoutingDecision:
        if threshold is not None and strong_share is not None:
            raise ConfigurationError("threshold", "give either threshold or strong_share, not both")
        if strong_share is not None:
            cut = self.scorer.threshold_for_strong_share(strong_share)  # type: ignore[attr-defined]
        else:
            cut = self.threshold if threshold is None else check_threshold(threshold)
        if route_to is not None and route_to not in _ROLES:
            raise ConfigurationError("route_to", f"must be 'strong', 'weak' or None, got {route_to!r}")
        policy = self.policy.name
        role: ModelRole = "strong" if self.policy.use_strong(score, cut) else "weak"
        for extra_policy in self.policies:
            cut = extra_policy.adjust_threshold(cut, score)
            adjusted: ModelRole = "strong" if self.policy.use_strong(score, cut) else "weak"
            if adjusted != role:
                role, policy = adjusted, extra_policy.name
        if pinned is not None:
            role, policy = pinned
        if route_to is not None:
            role, policy = route_to, "forced"
        decision = RoutingDecision(
            router=self.scorer.name,
            score=score,
            threshold=cut,
            model=self.model_for(role),
            role=role,
            latency_ms=(time.perf_counter() - started) * 1000.0,
            policy=policy,
        )
        logger.debug(
            "routed to %s (%s): router=%s score=%.4f threshold=%.4f policy=%s decide_ms=%.3f",
            decision.model, role, decision.router, score, cut, policy, decision.latency_ms,
        )
        return decision

    def _attempt_order(self, decision: RoutingDecision) -> list[str]:
        """Models to try: the chosen one, then (with ``fallback``) the other, or the N-model ranking."""
        if self.fleet is not None:
            ranking = list(decision.extra.get("ranking", [decision.model]))
            return ranking if self.fallback else ranking[:1]
        other: ModelRole = "weak" if decision.role == "strong" else "strong"
        roles = [decision.role, other] if self.fallback else [decision.role]
        return [self.model_for(role) for role in roles]

    def _role_of(self, model: str) -> ModelRole:
        if self.fleet is not None:
            return self.fleet.role_of(model)
        return "strong" if model == self.strong else "weak"

    def _choose_among(
        self, text: str, started: float, threshold: float | None, strong_share: float | None, route_to: str | None
    ) -> RoutingDecision:
        """The N-model decision (see :mod:`routed_llm.routing.fleet` for what role and policies mean)."""
        if threshold is not None or strong_share is not None:
            raise ConfigurationError("threshold", "N-model routing weighs cost with cost_weight, not a threshold")
        fleet = self.fleet
        if fleet is None:  # pragma: no cover - callers check
            raise ConfigurationError("models", "this client routes between a strong and a weak model")
        pinned = self._pinned(text) if route_to is None else None
        decision = fleet.decide(text, started, route_to if pinned is None else pinned[0])
        if pinned is not None:
            decision = decision.with_outcome(policy=pinned[1])
        logger.debug(
            "routed to %s (%s): router=%s predicted quality=%.4f cost_weight=%s policy=%s decide_ms=%.3f",
            decision.model, decision.role, decision.router, decision.score, decision.threshold, decision.policy,
            decision.latency_ms,
        )
        return decision

    def set_target_cost(self, prompts: Sequence[str], target_cost: float) -> float:
        """N-model: set the cost weight whose choices average ``target_cost`` USD per request on
        ``prompts`` (a sample of typical traffic); returns it."""
        if self.fleet is None:
            raise ConfigurationError("target_cost", "applies to N-model routing (RoutedClient(models=[...]))")
        texts = [self._prompt(prompt) for prompt in prompts]
        return self.fleet.target_cost(texts, target_cost)

    def _attempts(self, decision: RoutingDecision) -> Iterator[_Attempt]:
        """The calls to try, in order, each admitted by the policies (which may change its model).

        A role already tried (because a policy redirected an earlier attempt to it) is not
        called twice.
        """
        tried: set[str] = set()
        order = self._attempt_order(decision)
        for index, wanted in enumerate(order):
            model, role, acting = wanted, self._role_of(wanted), None
            for policy in self.policies:
                admitted = policy.admit(role)
                if admitted != role:
                    role, acting = admitted, policy.name
            if role != self._role_of(model):
                redirected = self.fleet.redirect(decision.extra.get("ranking", order), tried) if self.fleet else None
                model = self.model_for(role) if self.fleet is None else redirected or ""
            if not model or model in tried:
                self._release(role, time.perf_counter(), None, None, called=False, model=model or None)
                continue
            tried.add(model)
            yield _Attempt(role, acting, fell_back=index > 0, model=model)

    def _release(
        self,
        role: ModelRole,
        started: float,
        cost: float | None,
        error: Exception | None,
        *,
        called: bool = True,
        model: str | None = None,
    ) -> None:
        if error is not None:
            logger.warning(
                "%s failed: %s", model or self.model_for(role),
                redact_text(f"{type(error).__name__}: {error}", self._secrets),
            )
        if not self.policies:
            return
        status = getattr(error, "status_code", None) if error is not None else None
        if error is not None and not isinstance(status, int):
            status = 599  # a failure without an HTTP status (timeout, connection, garbage)
        outcome = CallOutcome(role, cost, time.perf_counter() - started if called else 0.0, status)
        for policy in self.policies:
            policy.release(outcome)

    def _call_kwargs(
        self, attempt: _Attempt, chat: list[Mapping[str, Any]], call_kwargs: Mapping[str, Any], *, stream: bool = False
    ) -> dict[str, Any]:
        merged = {**self._model_kwargs[attempt.model], **call_kwargs, "model": attempt.model, "messages": chat}
        if stream:
            merged["stream"] = True
            merged.setdefault("stream_options", {"include_usage": True})
        return merged

    def _settle(self, decision: RoutingDecision, attempt: _Attempt, usage: Any) -> RoutingDecision:
        """Record a finished call and return the decision with its outcome."""
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        model = attempt.model
        cost = self._prices.cost(model, prompt_tokens, completion_tokens)
        self._ledger.record(
            model, prompt_tokens, completion_tokens, cost,
            self._prices.cost(self.strong, prompt_tokens, completion_tokens),
        )
        settled = decision.with_outcome(cost=cost, **attempt.changes(decision, model))
        if settled.fallback:
            logger.warning("fell back from %s to %s", settled.routed_model, model)
        return settled

    def _failure(self, decision: RoutingDecision, cause: Exception | None) -> ProviderError:
        self._ledger.record_failure()
        tried = self._attempt_order(decision)
        detail = redact_text(f"{type(cause).__name__}: {cause}", self._secrets)
        error = ProviderError(
            f"{' and '.join(tried)} failed (router {decision.router!r} scored {decision.score:.3f} "
            f"against threshold {decision.threshold:.3f}, chose {decision.model}): {detail}",
            models=tried,
            decision=decision,
        )
        error.__cause__ = cause
        return error

    def _stream_failure(self, decision: RoutingDecision, model: str, cause: Exception) -> ProviderError:
        self._ledger.record_failure()
        detail = redact_text(f"{type(cause).__name__}: {cause}", self._secrets)
        error = ProviderError(
            f"{model} failed mid-stream (router {decision.router!r} chose it): {detail}",
            models=[model],
            decision=decision,
        )
        error.__cause__ = cause
        return error


@dataclass(frozen=True)
class _Attempt:
    """One model call to try: its role and model, the policy that redirected it, whether it is a fallback."""

    role: ModelRole
    policy: str | None
    fell_back: bool
    model: str

    def changes(self, decision: RoutingDecision, model: str) -> dict[str, Any]:
        """The decision fields this attempt changes."""
        changes: dict[str, Any] = {}
        if self.role != decision.role or model != decision.model:
            changes.update(model=model, role=self.role)
        if self.policy is not None:
            changes["policy"] = self.policy
        if self.fell_back:
            changes["routed_model"] = decision.model
        return changes


class _StreamBase:
    """Shared state of the sync and async streams: the decision and the final usage."""

    def __init__(
        self, client: RoutedClient, decision: RoutingDecision, attempt: _Attempt, chunks: Any, started: float
    ) -> None:
        self._client = client
        self._routed = decision
        self._attempt = attempt
        self._chunks = chunks
        self._started = started
        self._usage: Any = None
        self._settled = False
        self.decision = decision.with_outcome(**attempt.changes(decision, attempt.model))
        """The routing decision; once the stream is exhausted it also carries the cost."""

    def _observe(self, chunk: Any) -> Any:
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self._usage = usage
        return chunk

    def _finish(self) -> None:
        if not self._settled:
            self._settled = True
            self.decision = self._client._settle(self._routed, self._attempt, self._usage)
            self._client._release(self._attempt.role, self._started, self.decision.cost, None, model=self._attempt.model)

    def _fail(self, exc: Exception) -> ProviderError:
        self._settled = True
        self._client._release(self._attempt.role, self._started, None, exc, model=self._attempt.model)
        return self._client._stream_failure(self.decision, self._attempt.model, exc)


class RoutedStream(_StreamBase):
    """Iterator over litellm stream chunks; errors mid-stream raise :class:`ProviderError`."""

    def __iter__(self) -> Iterator[Any]:
        try:
            for chunk in self._chunks:
                yield self._observe(chunk)
        except Exception as exc:
            raise self._fail(exc) from exc
        self._finish()


class AsyncRoutedStream(_StreamBase):
    """Async iterator over litellm stream chunks."""

    async def __aiter__(self) -> AsyncIterator[Any]:
        try:
            async for chunk in self._chunks:
                yield self._observe(chunk)
        except Exception as exc:
            raise self._fail(exc) from exc
        self._finish()


def _chat_messages(messages: Messages) -> list[Mapping[str, Any]]:
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    return list(messages)
