"""RoutedClient: the litellm caller on top of a :class:`~routed_llm.routing.Router`.

The router decides which model answers, in which order the models are tried and whether
the policies admit each call; this module makes the calls, settles their cost and turns
failures into typed errors. LangChain, LlamaIndex and the proxy plugin translate messages
and nothing else.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from routed_llm.accounting import Ledger, UsageReport
from routed_llm.cascade import CallResult, CascadeDeclinedError, CascadeExecutor, CascadeOutcome, EscalationCut, Verdict
from routed_llm.config import (
    CALL_OPTIONS,
    DEFAULT_SCORER,
    SAMPLE_TEMPERATURE,
    CallOptions,
    RoutingConfig,
    scorer_argument,
)
from routed_llm.decision import ModelRole, RoutingDecision
from routed_llm.errors import ConfigurationError, InvalidPromptError, ProviderError
from routed_llm.estimates import CallEstimator
from routed_llm.masked_errors import masked_exception
from routed_llm.pricing import PriceBook
from routed_llm.prompts import Messages, PromptView, scored_text_in_force
from routed_llm.routing.fleet import Fleet
from routed_llm.routing.lease import CANCELLED_STATUS, TIMEOUT_STATUS, Lease, outcome_status
from routed_llm.routing.policy import RoutingPolicy
from routed_llm.routing.router import NO_TEXT_POLICY, PairRouter, Router
from routed_llm.routing.sticky import STICKY_POLICY, sticky_target
from routed_llm.scorers.base import RouterScorer
from routed_llm.secrets import environment_secrets, redact_mapping, redact_text, secret_values
from routed_llm.streams import (
    AsyncRoutedStream,
    EmptyStreamError,
    RoutedStream,
    afirst_chunks,
    first_chunks,
    has_answer,
)
from routed_llm.verifiers.base import Reply
from routed_llm.verifiers.self_check import self_check_messages

if TYPE_CHECKING:
    from litellm import ModelResponse

__all__ = [
    "CASCADE_POLICY", "HYBRID_POLICY", "AsyncRoutedStream", "RoutedClient", "RoutedResponse", "RoutedStream", "Ticket",
    "warm_litellm",
]

logger = logging.getLogger(__name__)

CASCADE_POLICY = "cascade"
"""The policy of every cascaded decision (``mode="cascade"``, and ``"hybrid"``'s band)."""
HYBRID_POLICY = "hybrid"
"""The policy of a ``mode="hybrid"`` decision outside the band: routed straight to one model."""
_NOT_CASCADED = frozenset({"forced", STICKY_POLICY, NO_TEXT_POLICY})
"""Decisions a cascade leaves as routed: a pinned model (``route_to=``), a tool loop's model
(the sticky rule: a tool result goes to the model that asked, without a new cascade), no text."""

T = TypeVar("T")


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
    """Route each request to a strong or a weak model (or one of N), through litellm.

    Example::

        client = RoutedClient(strong="openai/gpt-4o", weak="ollama/llama3.1",
                              scorer="default", threshold=0.5)
        reply = client.complete([{"role": "user", "content": "Prove Fermat's little theorem"}])
        reply.decision.model, reply.decision.score, reply.content

    The options are :class:`~routed_llm.RoutingConfig`'s, by name (``strong_share``,
    ``policies``, ``fallback``, ``prices``, ``prompt_view``, ``models``, ``cost_weight``,
    ``strong_kwargs``, ``weak_kwargs``, ``mode``, ...), validated there, once; or build from
    a config with :meth:`from_config`. ``router=`` is the deprecated name of ``scorer=``.
    The choice is a :class:`~routed_llm.routing.Router`'s, built from the config; this
    class makes the calls: one attempt loop over the router's admitted attempts, for plain,
    async and streamed calls alike.

    Any other keyword argument (``api_base``, ``api_key``, ``timeout``, ``num_retries``,
    ...) goes to every litellm call (``num_retries`` is litellm's own retry count, per
    model); ``strong_kwargs`` / ``weak_kwargs`` override them per model, and keyword
    arguments of a single call override both. A misspelt routing option
    (``strong_shar=0.3``) is an error with a suggestion, not a litellm argument. ``model``,
    ``messages`` and ``stream`` are not call arguments: pin a model with ``route_to=`` and
    stream with :meth:`stream`.

    ``policies`` (:mod:`routed_llm.routing`) apply in order on top of the threshold:
    an :class:`~routed_llm.routing.OnlineCalibrator` replaces the cut-off (per-call ones
    included) by the live quantile; budget, concurrency and latency policies may send a
    strong-bound request to the weak model. The decision names the policy that acted.

    N models: ``RoutedClient(models=["openai/gpt-4o", {"model": "groq/llama-3.1-8b",
    "cost": 0.0002}], scorer="./ensemble-router", cost_weight=50.0)`` picks, per prompt,
    ``argmax predicted quality - cost_weight * expected cost`` (:meth:`set_target_cost`
    solves the weight from a target average cost); the decision's ``extra`` holds every
    candidate's predicted quality and cost. What roles, fallback and policies mean there is
    documented in :mod:`routed_llm.routing.fleet`.

    Cascade: ``RoutedClient(strong=..., weak=..., mode="cascade", checker="groq/llama-3.1-8b-instant")``
    lets the weak model answer first while the checker answers the same request concurrently;
    a verifier (``verifier=``; agreement with the checker by default) judges the weak answer,
    and a rejected one is answered by the strong model instead. ``mode="hybrid"`` sends the
    prompts the router scores below ``cascade_band``'s low share straight to the weak model,
    above its high share straight to the strong one, and cascades the band. ``mode=`` per call
    overrides the client's. Every call of a cascade is admitted, priced and recorded on its
    own; ``decision.extra["cascade"]`` lists them. ``strong_share=`` in a cascade sets the share
    of requests that end with the strong model (:class:`~routed_llm.cascade.EscalationCut`).

    Building a client starts importing litellm in a background thread, so the first call
    of a fresh process does not wait for the whole import.
    """

    def __init__(
        self,
        strong: str | None = None,
        weak: str | None = None,
        scorer: str | RouterScorer | None = DEFAULT_SCORER,
        threshold: float | None = None,
        *,
        router: str | RouterScorer | None = None,
        **options: Any,
    ) -> None:
        config = RoutingConfig.from_options(
            "RoutedClient", strong=strong, weak=weak, scorer=scorer_argument(scorer, router), threshold=threshold, **options
        )
        self._start(config, config.build_router(), Ledger())

    @classmethod
    def from_config(cls, config: RoutingConfig) -> RoutedClient:
        """A client for ``config`` (what the framework adapters and the proxy build from)."""
        client = cls.__new__(cls)
        client._start(config, config.build_router(), Ledger())
        return client

    def reconfigured(self, config: RoutingConfig) -> RoutedClient:
        """The client for ``config``: this one when it is this client's config; when only the
        threshold or strong share differs, a client sharing this one's usage ledger, scorer
        and policies (so their state: windows, spend); otherwise a new client.

        How the adapters follow their fields: changing a cut-off keeps the usage and the
        policies' state, and the client then reports the cut-off it decides with.
        """
        if config == self.config:
            return self
        if not isinstance(self.router, PairRouter) or not self.config.differs_only_in_cut_off(config):
            return RoutedClient.from_config(config)
        client = RoutedClient.__new__(RoutedClient)
        client._start(config, self.router.with_cut_off(config.threshold, config.strong_share), self._ledger)
        client._estimator = self._estimator
        return client

    def _start(self, config: RoutingConfig, router: Router, ledger: Ledger) -> None:
        self.config = config
        self.router = router
        self._model_kwargs: dict[str, dict[str, Any]] = {
            model: {**config.litellm_kwargs, **router.kwargs_for(model)} for model in router.models
        }
        self._model_kwargs[self.strong].update(config.strong_kwargs)
        self._model_kwargs[self.weak].update(config.weak_kwargs)
        if config.checker is not None and config.checker not in self._model_kwargs:
            self._model_kwargs[config.checker] = dict(config.litellm_kwargs)
        self._verifier = config.build_verifier()
        self._escalation_cut = EscalationCut()
        self._band_cuts: tuple[float, float] | None = None
        self._kwargs: dict[ModelRole, dict[str, Any]] = {
            "strong": self._model_kwargs[self.strong], "weak": self._model_kwargs[self.weak],
        }
        self._secrets = sorted(
            {secret for kwargs in self._model_kwargs.values() for secret in secret_values(kwargs)}, key=len, reverse=True
        )
        self._prices = PriceBook(config.prices)
        self._estimator = CallEstimator(self._prices)
        self._ledger = ledger
        warm_litellm()

    # -- what the router holds -------------------------------------------------------------
    @property
    def strong(self) -> str:
        return self.router.strong

    @property
    def weak(self) -> str:
        return self.router.weak

    @property
    def scorer(self) -> RouterScorer:
        return self.router.scorer

    @property
    def policies(self) -> tuple[RoutingPolicy, ...]:
        return self.router.policies

    @property
    def fallback(self) -> bool:
        return self.config.fallback

    @property
    def fleet(self) -> Fleet | None:
        """The N-model candidates (``None`` for a strong/weak pair)."""
        return self.router.fleet

    @property
    def prompt_view(self) -> PromptView:
        return self.router.prompt_view

    @property
    def max_prompt_chars(self) -> int | None:
        return self.router.max_prompt_chars

    @property
    def threshold(self) -> float:
        """The cut-off in force (pair; from ``strong_share``, the scorer's quantile) or the
        cost weight (N models): what decisions record as ``threshold``."""
        return self.router.threshold

    def model_for(self, role: ModelRole) -> str:
        return self.router.model_for(role)

    # -- routing without calling -------------------------------------------------------------
    def route(self, messages: Messages, **options: Any) -> RoutingDecision:
        """Score ``messages`` and choose a model, without calling it.

        ``options`` are a call's routing options (:class:`~routed_llm.config.CallOptions`):
        ``threshold`` or ``strong_share`` override the client's cut-off for this call;
        ``route_to`` pins the model (the decision then records policy ``forced``);
        ``scored_text`` is scored instead of the messages (so is the text of an enclosing
        :func:`~routed_llm.prompts.routing_text` block); ``sticky`` (the conversation's
        turns, :class:`~routed_llm.routing.sticky.Turn`) keeps the model that asked for the
        tools whose results end the conversation (policy ``sticky``). Empty or
        whitespace-only prompts raise :class:`~routed_llm.InvalidPromptError`; media-only
        prompts go to the weak model (policy ``no_text``), see :meth:`Router.route`.
        """
        return self._route(messages, _routing_only(options, "route"))

    async def aroute(self, messages: Messages, **options: Any) -> RoutingDecision:
        """:meth:`route` for async code: scorers with an ``ascore`` method are awaited."""
        return await self._aroute(messages, _routing_only(options, "aroute"))

    def set_target_cost(self, prompts: Sequence[str], target_cost: float) -> float:
        """N-model: set the cost weight whose choices average ``target_cost`` USD per request on
        ``prompts`` (a sample of typical traffic); returns it."""
        return self.router.set_target_cost([self.router.prompt(prompt) for prompt in prompts], target_cost)

    # -- calling ------------------------------------------------------------------------------
    def complete(self, messages: Messages, **kwargs: Any) -> RoutedResponse:
        """Route and call, once: ``kwargs`` are the call's routing options (as :meth:`route`
        takes them, plus ``mode``) and litellm's arguments (``tools``, ``temperature``, ...)."""
        import litellm

        options, call_kwargs = CallOptions.split(kwargs, "complete")
        decision, cascaded = self._moded(self._route(messages, options), options)
        request = self._request(messages, call_kwargs)
        if cascaded:
            calls = _CascadeCalls(self, decision, request, self.router.prompt(messages))
            outcome = self._cascade(calls, options)
            return RoutedResponse(outcome.result.response.response, calls.decided(outcome))

        def call(ticket: Ticket) -> RoutedResponse:
            response = litellm.completion(**request.for_model(ticket.model))
            return RoutedResponse(response, ticket.settle(response.usage))

        return self._attempt(decision, request, call)

    async def acomplete(self, messages: Messages, **kwargs: Any) -> RoutedResponse:
        """Async :meth:`complete`."""
        import litellm

        options, call_kwargs = CallOptions.split(kwargs, "acomplete")
        decision, cascaded = self._moded(await self._aroute(messages, options), options)
        request = self._request(messages, call_kwargs)
        if cascaded:
            calls = _CascadeCalls(self, decision, request, self.router.prompt(messages))
            outcome = await self._acascade(calls, options)
            return RoutedResponse(outcome.result.response.response, calls.decided(outcome))

        async def call(ticket: Ticket) -> RoutedResponse:
            response = await litellm.acompletion(**request.for_model(ticket.model))
            return RoutedResponse(response, ticket.settle(response.usage))

        return await self._aattempt(decision, request, call)

    def stream(self, messages: Messages, **kwargs: Any) -> RoutedStream:
        """Route and stream the answer (``kwargs`` as in :meth:`complete`); the stream's
        ``decision`` is known before the first chunk, and a failure before the first
        content may fall back."""
        import litellm

        options, call_kwargs = CallOptions.split(kwargs, "stream")
        decision, cascaded = self._moded(self._route(messages, options), options)
        request = self._request(messages, call_kwargs, stream=True)
        if cascaded:
            calls = _CascadeCalls(self, decision, request, self.router.prompt(messages))
            return _cascade_stream(calls, self._cascade(calls, options), RoutedStream, iter)

        def call(ticket: Ticket) -> RoutedStream:
            chunks = litellm.completion(**request.for_model(ticket.model))
            return RoutedStream(ticket, chunks, first_chunks(chunks, ticket.model))

        return self._attempt(decision, request, call)

    async def astream(self, messages: Messages, **kwargs: Any) -> AsyncRoutedStream:
        """Async :meth:`stream`: ``async for chunk in await client.astream(...)``."""
        import litellm

        options, call_kwargs = CallOptions.split(kwargs, "astream")
        decision, cascaded = self._moded(await self._aroute(messages, options), options)
        request = self._request(messages, call_kwargs, stream=True)
        if cascaded:
            calls = _CascadeCalls(self, decision, request, self.router.prompt(messages))
            return _cascade_stream(calls, await self._acascade(calls, options), AsyncRoutedStream, _replayed)

        async def call(ticket: Ticket) -> AsyncRoutedStream:
            chunks = await litellm.acompletion(**request.for_model(ticket.model))
            return AsyncRoutedStream(ticket, chunks, await afirst_chunks(chunks, ticket.model))

        return await self._aattempt(decision, request, call)

    # -- accounting -------------------------------------------------------------------------
    def usage(self) -> UsageReport:
        """Calls, tokens and cost per model so far, and the always-strong comparison."""
        return self._ledger.report()

    def litellm_kwargs(self, role: ModelRole) -> dict[str, Any]:
        """The keyword arguments every call to ``role``'s model gets, secrets masked."""
        return redact_mapping(self._kwargs[role])

    def __repr__(self) -> str:
        return (
            f"RoutedClient({self.router.describe()}, fallback={self.fallback!r}, "
            f"litellm_kwargs={redact_mapping(self._kwargs['strong'])!r})"
        )

    # -- the attempt loop ---------------------------------------------------------------------
    def _attempt(self, decision: RoutingDecision, request: _Request, call: Callable[[Ticket], T]) -> T:
        """Try the router's admitted attempts in order until one answers.

        Every attempt's admission goes back to the policies however it ends: answered
        (with its cost), failed (with its status), or cancelled (the exception propagates).
        """
        failures = _Failures(self, decision)
        for lease in self.router.attempts(decision, fallback=self.fallback, estimate=request.reservation):
            ticket = Ticket(self, decision, lease, request)
            try:
                return call(ticket)
            except Exception as exc:
                failures.add(ticket, exc)
            except BaseException as exc:
                ticket.release(exc)
                raise
        raise failures.error()

    async def _aattempt(
        self, decision: RoutingDecision, request: _Request, call: Callable[[Ticket], Awaitable[T]]
    ) -> T:
        """Async :meth:`_attempt` (``asyncio.CancelledError`` releases the attempt and propagates)."""
        failures = _Failures(self, decision)
        for lease in self.router.attempts(decision, fallback=self.fallback, estimate=request.reservation):
            ticket = Ticket(self, decision, lease, request)
            try:
                return await call(ticket)
            except Exception as exc:
                failures.add(ticket, exc)
            except BaseException as exc:
                ticket.release(exc)
                raise
        raise failures.error()

    # -- cascading -----------------------------------------------------------------------------
    def _moded(self, decision: RoutingDecision, options: CallOptions) -> tuple[RoutingDecision, bool]:
        """The call's mode applied to the routed ``decision``: (the decision to call with, whether
        to cascade it). Hybrid sends a score outside the band straight to one model."""
        mode = options.mode or self.config.mode
        if mode == "route" or decision.policy in _NOT_CASCADED:
            return decision, False
        if mode == "hybrid":
            low, high = self._hybrid_cuts()
            if decision.score < low or decision.score > high:
                role: ModelRole = "weak" if decision.score < low else "strong"
                band = {"band": [low, high], "direct": role}
                return decision.with_outcome(model=self.model_for(role), role=role, policy=HYBRID_POLICY,
                                             extra={**decision.extra, "cascade": band}), False
        return decision, True

    def _hybrid_cuts(self) -> tuple[float, float]:
        """``cascade_band``'s shares as router scores, from the scorer's score quantiles."""
        if self._band_cuts is None:
            low, high = self.config.cascade_band
            share_to_score = getattr(self.scorer, "threshold_for_strong_share", None)
            try:
                if share_to_score is None:
                    raise ConfigurationError("strong_share", "the scorer has no score quantiles")
                self._band_cuts = (share_to_score(1.0 - low) if low > 0 else float("-inf"),
                                   share_to_score(1.0 - high) if high < 1 else float("inf"))
            except ConfigurationError as exc:
                raise ConfigurationError("cascade_band", f"mode='hybrid' reads the band as shares of typical "
                                                         f"traffic, which needs the scorer's score quantiles: {exc}") from None
        return self._band_cuts

    def _verdict(self, decision: RoutingDecision, options: CallOptions) -> Verdict | None:
        """``strong_share`` (the call's, else the client's) as an escalation rule, or ``None``:
        escalate exactly what the verifier rejects."""
        share = options.strong_share if options.strong_share is not None else (
            None if options.threshold is not None else self.config.strong_share)
        if share is None:
            return None
        cut = self._escalation_cut
        return lambda score: cut.escalate(EscalationCut.combined(score, decision.score), share)

    def _executor(self) -> CascadeExecutor:
        assert self._verifier is not None  # check_cascade refused a cascade without one
        return CascadeExecutor(self._verifier, fallback=self.fallback)

    def _cascade(self, calls: _CascadeCalls, options: CallOptions) -> CascadeOutcome:
        decision = calls.routed
        try:
            return self._executor().run(
                calls.prompt, calls.weak, calls.strong, calls.checkers(), self_check=calls.self_check,
                router_score=decision.score, router_threshold=decision.threshold, models=calls.models,
                verdict=self._verdict(decision, options),
            )
        except (ProviderError, CascadeDeclinedError) as exc:
            raise calls.failed(exc) from exc.__cause__

    async def _acascade(self, calls: _CascadeCalls, options: CallOptions) -> CascadeOutcome:
        decision = calls.routed
        try:
            return await self._executor().arun(
                calls.prompt, calls.aweak, calls.astrong, calls.acheckers(), self_check=calls.aself_check,
                router_score=decision.score, router_threshold=decision.threshold, models=calls.models,
                verdict=self._verdict(decision, options),
            )
        except (ProviderError, CascadeDeclinedError) as exc:
            raise calls.failed(exc) from exc.__cause__

    # -- deciding ------------------------------------------------------------------------------
    def _route(self, messages: Messages, options: CallOptions) -> RoutingDecision:
        scored, sticky_to = self._asked(messages, options)
        if sticky_to is not None:
            return self.router.route(scored, route_to=sticky_to).with_outcome(policy=STICKY_POLICY)
        return self.router.route(
            scored, threshold=options.threshold, strong_share=options.strong_share, route_to=options.route_to
        )

    async def _aroute(self, messages: Messages, options: CallOptions) -> RoutingDecision:
        scored, sticky_to = self._asked(messages, options)
        if sticky_to is not None:
            return (await self.router.aroute(scored, route_to=sticky_to)).with_outcome(policy=STICKY_POLICY)
        return await self.router.aroute(
            scored, threshold=options.threshold, strong_share=options.strong_share, route_to=options.route_to
        )

    def _asked(self, messages: Messages, options: CallOptions) -> tuple[Messages, str | None]:
        """What is scored (the call's ``scored_text``, an enclosing ``routing_text`` block's,
        or the messages) and the model a tool loop sticks to (unless the call pins one)."""
        if options.mode not in (None, "route"):
            self.config.check_cascade(options.mode)
        scored = options.scored_text or scored_text_in_force() or messages
        if options.sticky is None or options.route_to is not None:
            return scored, None
        return scored, sticky_target(options.sticky, by_model=self.fleet is not None)

    def _request(self, messages: Messages, kwargs: Mapping[str, Any], *, stream: bool = False) -> _Request:
        return _Request(self._model_kwargs, _chat_messages(messages), kwargs, stream, self._estimator)

    def _masked(self, error: Exception, request: _Request) -> tuple[str, Exception]:
        """The error's text and a copy of it with every key masked: this client's, the call's
        own (``api_key``, ``extra_headers``) and those litellm reads from the environment."""
        secrets = sorted({*self._secrets, *secret_values(request.call_kwargs), *environment_secrets()},
                         key=len, reverse=True)
        return redact_text(f"{type(error).__name__}: {error}", secrets), masked_exception(error, secrets)


class Ticket:
    """One admitted attempt as the client finishes it: the public seam streams use.

    :meth:`settle` records an answered call (its cost in the ledger, the admission back
    to the policies); :meth:`fail` and :meth:`stream_failure` a failed one; :meth:`release`
    a call its caller gave up on. Only the first of them reaches the policies. A call the
    provider started but that never answered (cancelled, timed out, broken mid-stream) is
    billed its prompt's tokens, in :meth:`RoutedClient.usage` and in the budgets.
    """

    def __init__(
        self,
        client: RoutedClient,
        routed: RoutingDecision,
        lease: Lease,
        request: _Request,
        *,
        answers: bool = True,
        replaces: Ticket | None = None,
    ) -> None:
        self._client = client
        self._routed = routed
        self._request = request
        self._answers = answers
        self._replaces = replaces
        self.recorded_baseline = 0.0
        """What this call added to the always-strong comparison (``usage()``)."""
        self.lease = lease
        self.model = lease.model
        self.decision = lease.applied_to(routed)
        """The decision as this attempt changes it (model, policy, fallback), before its cost."""

    def settle(self, usage: Any) -> RoutingDecision:
        """Record the answered call and return the decision with its cost."""
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        cost = self._record(prompt_tokens, completion_tokens, estimated=False)
        self._client._estimator.observe(self.model, completion_tokens)
        self.lease.release(cost=cost)
        settled = self.decision.with_outcome(cost=cost)
        if settled.fallback:
            logger.warning("fell back from %s to %s", settled.routed_model, self.model)
        return settled

    def fail(self, error: Exception, *, started: bool = False) -> str:
        """Record a failed attempt (``started``: the provider had begun answering); returns its masked description."""
        billed = started or outcome_status(error) == TIMEOUT_STATUS
        self.lease.release(cost=self._bill_unanswered() if billed else None, error=error)
        detail, _ = self.masked(error)
        logger.warning("%s failed: %s", self.model, detail)
        return detail

    def masked(self, error: Exception) -> tuple[str, Exception]:
        """``error``'s text and a copy of it with every key this call could carry masked."""
        return self._client._masked(error, self._request)

    def stream_failure(self, error: Exception) -> ProviderError:
        """Record a stream that broke after its first content: the error to raise (no fallback)."""
        detail = self.fail(error, started=True)
        self._client._ledger.record_failure()
        failure = ProviderError(
            f"{self.model} failed mid-stream (router {self._routed.router!r} chose it): {detail}",
            models=[self.model],
            decision=self.decision,
        )
        failure.__cause__ = self.masked(error)[1]
        return failure

    def release(self, error: BaseException | None = None) -> None:
        """Give the admission back for a call that was cancelled, closed or abandoned."""
        if self.lease.released:
            return
        tokens = self._request.prompt_tokens(self.model)
        cost = self._client._prices.cost(self.model, tokens, 0)
        if error is None or outcome_status(error) == CANCELLED_STATUS:
            released = self.lease.cancel(cost=cost)
        else:
            released = self.lease.release(cost=cost, error=error)
        if released:  # a stream closed and collected at once is billed once
            self._record(tokens, 0, estimated=True)

    @property
    def request(self) -> _Request:
        """The litellm arguments of this call."""
        return self._request

    def _bill_unanswered(self) -> float | None:
        """Record a call that never answered at its prompt's tokens; its estimated cost."""
        return self._record(self._request.prompt_tokens(self.model), 0, estimated=True)

    def _record(self, prompt_tokens: int, completion_tokens: int, *, estimated: bool) -> float | None:
        """Record the call; what always-strong would have paid for the request it answers.

        A call that does not answer the request (a cascade's checker: ``answers=False``) adds
        nothing to that comparison; one that ``replaces`` an earlier answer (a cascade's
        escalation) takes the earlier one's share back, so each request counts once.
        """
        client = self._client
        cost = client._prices.cost(self.model, prompt_tokens, completion_tokens)
        baseline = client._prices.cost(client.strong, prompt_tokens, completion_tokens) if self._answers else 0.0
        if baseline is not None and self._replaces is not None:
            baseline -= self._replaces.recorded_baseline
        self.recorded_baseline += baseline or 0.0
        client._ledger.record(self.model, prompt_tokens, completion_tokens, cost, baseline, estimated=estimated)
        return cost


class _EscalationTicket(Ticket):
    """The strong call of a streamed cascade: its stream settles the cascade's decision, every call's cost summed."""

    def follow(self, decision: RoutingDecision) -> None:
        """Settle into ``decision`` (the cascade's, its cost so far that of the cheap calls)."""
        self.decision = decision

    def settle(self, usage: Any) -> RoutingDecision:
        before = self.decision
        settled = super().settle(usage)
        cascade = dict(before.extra.get("cascade", {}))
        calls = [dict(call) for call in cascade.get("calls", [])]
        for call in calls:
            if call["role"] == "strong" and call["cost"] is None and call["error"] is None:
                call["cost"] = settled.cost
        cascade["calls"] = calls
        prior = [call["cost"] for call in calls if call["error"] is None]
        total = None if any(cost is None for cost in prior) else float(sum(prior))
        return settled.with_outcome(cost=total, extra={**before.extra, "cascade": cascade})


class _Answered:
    """The ticket of a buffered answer replayed as a stream: its calls are settled already."""

    def __init__(self, decision: RoutingDecision) -> None:
        self.decision = decision

    def settle(self, usage: Any) -> RoutingDecision:
        return self.decision

    def stream_failure(self, error: Exception) -> ProviderError:  # a list of chunks does not break
        return ProviderError(str(error), models=[self.decision.model], decision=self.decision)

    def release(self, error: BaseException | None = None) -> None:
        return None


S = TypeVar("S", RoutedStream, AsyncRoutedStream)


def _cascade_stream(calls: _CascadeCalls, outcome: CascadeOutcome, stream: type[S],
                    replayed: Callable[[list[Any]], Any]) -> S:
    """What a streamed cascade's caller reads: the escalation's open stream, settling every call's
    cost when it ends, or the accepted weak answer's buffered chunks, replayed."""
    final = calls.decided(outcome)
    if outcome.escalated:
        ticket, chunks, head = outcome.result.response
        ticket.follow(final)
        return stream(ticket, chunks, head)
    return stream(_Answered(final), replayed(outcome.result.response), [])


async def _replayed(chunks: Sequence[Any]) -> Any:
    for chunk in chunks:
        yield chunk


class _CascadeCalls:
    """The calls of one cascaded request, each admitted and recorded on a ticket of its own.

    The executor (:class:`~routed_llm.cascade.CascadeExecutor`) decides which run and when;
    each method here makes one call and returns a :class:`~routed_llm.cascade.CallResult`,
    or raises a :class:`ProviderError` (its ticket failed) and, cancelled, releases its
    admission first. Checker and self-check calls are admitted in the weak role
    (:meth:`Router.admit_extra`), so caps and budgets count them, and add nothing to the
    always-strong comparison; an escalation replaces the weak answer's share of it. In a
    stream, the weak answer is read whole (buffered until accepted) and the strong call
    is returned open, its first chunks read.
    """

    def __init__(self, client: RoutedClient, routed: RoutingDecision, request: _Request, prompt: str) -> None:
        self.client = client
        self.routed = routed
        self.request = request
        self.prompt = prompt
        self.checker = client.config.checker
        self.models: dict[Any, str] = {"weak": client.weak, "strong": client.strong}
        if self.checker is not None:
            self.models["checker"] = self.checker
        self._weak_ticket: Ticket | None = None
        self.declined_by: str | None = None

    # -- admission ------------------------------------------------------------------------------
    def _ticket(self, role: str, request: _Request | None = None) -> Ticket | None:
        client, request = self.client, request or self.request
        router = client.router
        if role == "checker":
            lease = router.admit_extra(request.model, estimate=request.reservation)
            return Ticket(client, self.routed, lease, request, answers=False)
        if role == "weak":
            lease = router.admit([client.weak, client.strong], client.weak, estimate=request.reservation)
            assert lease is not None  # nothing was tried before it
            self._weak_ticket = Ticket(client, self.routed, lease, request)
            return self._weak_ticket
        tried = () if self._weak_ticket is None else (client.weak,)
        lease = router.admit([client.strong, client.weak], client.strong, tried=tried, estimate=request.reservation)
        if lease is None or lease.model != client.strong:  # a policy kept the request on the weak answer
            if lease is not None:
                lease.skip()
            self.declined_by = "policy" if lease is None else lease.policy
            return None
        kind = _EscalationTicket if request.stream else Ticket
        return kind(client, self.routed, lease, request, replaces=self._weak_ticket)

    def _checker_request(self, chat: list[Mapping[str, Any]] | None = None) -> _Request:
        request = self.request
        return _Request(request.model_kwargs, chat or request.chat, {} if chat else request.call_kwargs, False,
                        request.estimator, model=self.checker)

    def _sample_request(self) -> _Request:
        """A further answer of the weak model to the same request (``weak_samples``), sampled."""
        request = self.request
        return _Request(request.model_kwargs, request.chat, {**request.call_kwargs, "temperature": SAMPLE_TEMPERATURE},
                        False, request.estimator, model=self.client.weak)

    def _self_check_request(self, cheap: CallResult) -> _Request:
        answer = cheap.reply.content or json.dumps(list(cheap.reply.tool_calls))
        request = self._checker_request(self_check_messages(self.prompt, answer))
        return replace(request, model=self.checker or self.client.weak)

    def failed(self, error: Exception) -> ProviderError:
        """The request's error once the cascade could not answer (counted as a failed request)."""
        self.client._ledger.record_failure()
        if isinstance(error, ProviderError):
            return error
        return ProviderError(f"{self.client.weak} failed and {error}", models=[self.client.weak, self.client.strong],
                             decision=self.routed)

    # -- sync calls -----------------------------------------------------------------------------
    def weak(self) -> CallResult:
        ticket = self._ticket("weak")
        return _guarded(ticket, lambda: _buffered(ticket) if self.request.stream else _answered(ticket))

    def strong(self) -> CallResult | None:
        ticket = self._ticket("strong")
        if ticket is None:
            return None
        return _guarded(ticket, lambda: _opened(ticket) if self.request.stream else _answered(ticket))

    def checkers(self) -> list[Callable[[], CallResult]]:
        """The checker's call and the weak model's further samples, each a call of its own."""

        def call(request: _Request) -> Callable[[], CallResult]:
            def checked() -> CallResult:
                ticket = self._ticket("checker", request)
                return _guarded(ticket, lambda: _answered(ticket))

            return checked

        return [call(request) for request in self._other_requests()]

    def self_check(self, cheap: CallResult) -> CallResult:
        ticket = self._ticket("checker", self._self_check_request(cheap))
        return _guarded(ticket, lambda: _answered(ticket))

    # -- async calls ----------------------------------------------------------------------------
    async def aweak(self) -> CallResult:
        ticket = self._ticket("weak")
        return await _aguarded(ticket, _abuffered(ticket) if self.request.stream else _aanswered(ticket))

    async def astrong(self) -> CallResult | None:
        ticket = self._ticket("strong")
        if ticket is None:
            return None
        return await _aguarded(ticket, _aopened(ticket) if self.request.stream else _aanswered(ticket))

    def acheckers(self) -> list[Callable[[], Awaitable[CallResult]]]:
        """Async :meth:`checkers`."""

        def call(request: _Request) -> Callable[[], Awaitable[CallResult]]:
            async def checked() -> CallResult:
                ticket = self._ticket("checker", request)
                return await _aguarded(ticket, _aanswered(ticket))

            return checked

        return [call(request) for request in self._other_requests()]

    def _other_requests(self) -> list[_Request]:
        checker = [] if self.checker is None else [self._checker_request()]
        return checker + [self._sample_request() for _ in range(self.client.config.weak_samples)]

    async def aself_check(self, cheap: CallResult) -> CallResult:
        ticket = self._ticket("checker", self._self_check_request(cheap))
        return await _aguarded(ticket, _aanswered(ticket))

    # -- the decision ---------------------------------------------------------------------------
    def decided(self, outcome: CascadeOutcome) -> RoutingDecision:
        """The routed decision as the cascade ends it: the answering model, policy ``cascade``,
        every call's cost, and the verdict in ``extra["cascade"]``."""
        client = self.client
        role: ModelRole = "strong" if outcome.escalated else "weak"
        weak_failed = any(call.role == "weak" and call.error is not None for call in outcome.calls)
        routed_model = client.weak if weak_failed else (client.strong if outcome.kept == "fallback" else None)
        extra = outcome.extra()
        if self.declined_by is not None:
            extra["declined_by"] = self.declined_by
        return self.routed.with_outcome(
            model=client.model_for(role), role=role, policy=CASCADE_POLICY, routed_model=routed_model,
            cost=outcome.cost, extra={**self.routed.extra, "cascade": extra},
        )


def _guarded(ticket: Ticket, body: Callable[[], CallResult]) -> CallResult:
    """Run one cascade call on ``ticket``: a provider error fails the ticket, cancellation releases it."""
    try:
        return body()
    except Exception as exc:
        raise _call_error(ticket, exc) from None
    except BaseException as exc:
        ticket.release(exc)
        raise


async def _aguarded(ticket: Ticket, body: Awaitable[CallResult]) -> CallResult:
    try:
        return await body
    except Exception as exc:
        raise _call_error(ticket, exc) from None
    except BaseException as exc:  # cancelled while the provider answers
        ticket.release(exc)
        raise


def _call_error(ticket: Ticket, error: Exception) -> ProviderError:
    if ticket.lease.released:  # failed after it settled (reading the answer): the call is on the books
        detail, masked = ticket.masked(error)
    else:
        detail, masked = ticket.fail(error), ticket.masked(error)[1]
    failure = ProviderError(f"{ticket.model} failed (cascade of router {ticket.decision.router!r}): {detail}",
                            models=[ticket.model], decision=ticket.decision)
    failure.__cause__ = masked
    return failure


def _answered(ticket: Ticket) -> CallResult:
    import litellm

    response = litellm.completion(**ticket.request.for_model(ticket.model))
    return _result(ticket, response, ticket.settle(response.usage))


async def _aanswered(ticket: Ticket) -> CallResult:
    import litellm

    response = await litellm.acompletion(**ticket.request.for_model(ticket.model))
    return _result(ticket, response, ticket.settle(response.usage))


def _buffered(ticket: Ticket) -> CallResult:
    """The whole weak stream, read now: its chunks are replayed if the answer stands."""
    import litellm

    chunks = list(litellm.completion(**ticket.request.for_model(ticket.model)))
    return _chunks_result(ticket, chunks)


async def _abuffered(ticket: Ticket) -> CallResult:
    import litellm

    chunks = [chunk async for chunk in await litellm.acompletion(**ticket.request.for_model(ticket.model))]
    return _chunks_result(ticket, chunks)


def _opened(ticket: Ticket) -> CallResult:
    """The strong stream, open at its first content: the user reads the rest."""
    import litellm

    chunks = litellm.completion(**ticket.request.for_model(ticket.model))
    return CallResult(Reply(model=ticket.model), (ticket, chunks, first_chunks(chunks, ticket.model)))


async def _aopened(ticket: Ticket) -> CallResult:
    import litellm

    chunks = await litellm.acompletion(**ticket.request.for_model(ticket.model))
    return CallResult(Reply(model=ticket.model), (ticket, chunks, await afirst_chunks(chunks, ticket.model)))


def _chunks_result(ticket: Ticket, chunks: list[Any]) -> CallResult:
    if not any(has_answer(chunk) for chunk in chunks):
        raise EmptyStreamError(f"{ticket.model} ended its stream without content or a tool call")
    usage = next((chunk.usage for chunk in reversed(chunks) if getattr(chunk, "usage", None) is not None), None)
    decision = ticket.settle(usage)
    return CallResult(_streamed_reply(chunks, ticket.model), chunks, decision.cost)


def _streamed_reply(chunks: Sequence[Any], model: str) -> Reply:
    """The reply a stream adds up to: its text, and its tool calls joined by index."""
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        for choice in getattr(chunk, "choices", None) or ():
            delta = choice.delta
            text.append(getattr(delta, "content", None) or "")
            for part in getattr(delta, "tool_calls", None) or ():
                call = calls.setdefault(part.index or 0, {"id": None, "function": {"name": "", "arguments": ""}})
                call["id"] = call["id"] or part.id
                call["function"]["name"] += getattr(part.function, "name", None) or ""
                call["function"]["arguments"] += getattr(part.function, "arguments", None) or ""
    return Reply("".join(text) or None, [calls[index] for index in sorted(calls)], model)


def _result(ticket: Ticket, response: Any, decision: RoutingDecision) -> CallResult:
    choice = response.choices[0]
    logprobs = getattr(choice, "logprobs", None)
    content = getattr(logprobs, "content", None) if logprobs is not None else None
    if isinstance(logprobs, Mapping):
        content = logprobs.get("content")
    values = [float(entry["logprob"] if isinstance(entry, Mapping) else entry.logprob) for entry in content or ()]
    return CallResult(_reply(response, ticket.model), RoutedResponse(response, decision), decision.cost, values or None)


def _reply(response: Any, model: str) -> Reply:
    """What a verifier reads of a response: its text and its tool calls (name and arguments)."""
    message = response.choices[0].message
    calls = [{"id": getattr(call, "id", None),
              "function": {"name": call.function.name, "arguments": call.function.arguments}}
             for call in getattr(message, "tool_calls", None) or ()]
    return Reply(message.content, calls, model)


class _Failures:
    """The failed attempts of one call, and the :class:`ProviderError` they add up to."""

    def __init__(self, client: RoutedClient, decision: RoutingDecision) -> None:
        self._client = client
        self._decision = decision
        self._last: tuple[str, Exception] | None = None

    def add(self, ticket: Ticket, error: Exception) -> None:
        self._last = (ticket.fail(error), ticket.masked(error)[1])

    def error(self) -> ProviderError:
        client, decision = self._client, self._decision
        client._ledger.record_failure()
        tried = client.router.plan(decision, fallback=client.fallback)
        detail, masked = self._last if self._last is not None else ("no model was admitted", None)
        error = ProviderError(
            f"{' and '.join(tried)} failed (router {decision.router!r} scored {decision.score:.3f} "
            f"against threshold {decision.threshold:.3f}, chose {decision.model}): {detail}",
            models=tried,
            decision=decision,
        )
        error.__cause__ = masked
        return error


@dataclass(frozen=True)
class _Request:
    """The litellm arguments of one call, for whichever model an attempt goes to."""

    model_kwargs: Mapping[str, Mapping[str, Any]]
    chat: list[Mapping[str, Any]]
    call_kwargs: Mapping[str, Any]
    stream: bool
    estimator: CallEstimator
    _tokens: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    model: str | None = None
    """The model a cascade's checker or self-check request is for (``None``: the routed request)."""

    def prompt_tokens(self, model: str) -> int:
        """The prompt's tokens for ``model``, counted once per request and model."""
        if model not in self._tokens:
            self._tokens[model] = self.estimator.prompt_tokens(model, self.chat)
        return self._tokens[model]

    def reservation(self, model: str) -> float | None:
        """USD a budget holds for this request on ``model`` until it answers."""
        kwargs = {**self.model_kwargs[model], **self.call_kwargs}
        return self.estimator.reservation(model, self.prompt_tokens(model), kwargs)

    def for_model(self, model: str) -> dict[str, Any]:
        merged = {**self.model_kwargs[model], **self.call_kwargs, "model": model, "messages": self.chat}
        if self.stream:
            merged["stream"] = True
            merged.setdefault("stream_options", {"include_usage": True})
        return merged


def _routing_only(options: Mapping[str, Any], method: str) -> CallOptions:
    """The routing options of :meth:`RoutedClient.route`, which takes no litellm argument."""
    routing, rest = CallOptions.split(options, method)
    for name in rest:
        raise ConfigurationError(name, f"not a routing option of {method}(); it takes {', '.join(CALL_OPTIONS)}")
    return routing


_MAX_MESSAGE_DEPTH = 64
"""How deeply a message may nest (content parts, tool calls, their arguments): far beyond any
provider's format, and well inside what the JSON encoder and Python's stack can take."""


def _chat_messages(messages: Messages) -> list[Mapping[str, Any]]:
    """The messages litellm sends, refused with a typed error when they cannot be sent as UTF-8 JSON."""
    chat: list[Mapping[str, Any]] = [{"role": "user", "content": messages}] if isinstance(messages, str) else list(messages)
    for index, message in enumerate(chat):
        _check_encodable(message, f"messages[{index}]")
    return chat


def _check_encodable(value: Any, where: str) -> None:
    """Walk ``value`` (without recursion) for lone surrogates, in keys too, and for absurd nesting."""
    pending: list[tuple[Any, str, int]] = [(value, where, 0)]
    while pending:
        item, path, depth = pending.pop()
        if depth > _MAX_MESSAGE_DEPTH:
            raise InvalidPromptError(f"{path}: nested more than {_MAX_MESSAGE_DEPTH} levels deep")
        if isinstance(item, str):
            _check_text(item, path)
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if isinstance(key, str):
                    _check_text(key, f"{path} key {key!a}")
                pending.append((child, f"{path}.{key}", depth + 1))
        elif isinstance(item, (list, tuple)):
            pending.extend((child, f"{path}[{index}]", depth + 1) for index, child in enumerate(item))


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidPromptError(
            f"{where}: character {exc.start} is a lone surrogate ({text[exc.start]!a}), "
            "which cannot be sent as UTF-8; decode the text with errors='replace' first"
        ) from None


def warm_litellm() -> None:
    """Import litellm in a background thread unless it is imported (or being imported) already.

    Importing litellm takes seconds; a client is usually built well before its first
    call, so the import overlaps the application's own start-up instead of the first
    request. ``import routed_llm`` itself stays fast: nothing starts until a client is built.
    """
    if "litellm" in sys.modules:
        return
    threading.Thread(target=_import_litellm, name="routed-llm-import-litellm", daemon=True).start()


def _import_litellm() -> None:
    try:
        importlib.import_module("litellm")
    except Exception:  # the first call imports it again and raises where the caller sees it
        logger.debug("background import of litellm failed", exc_info=True)
