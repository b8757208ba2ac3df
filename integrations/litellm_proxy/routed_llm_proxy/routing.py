"""The LiteLLM callback that lets a routed-llm router choose a model group's deployment.

LiteLLM's router narrows a model group's healthy deployments through every callback's
``async_filter_deployments`` before its own strategy picks one. That hook is the right
seam for a difficulty router: it sees the request's messages and the deployments with
their ``model_info`` (so roles are tagged where the deployments are declared), it runs
after LiteLLM's health checks and cooldowns (so a strong deployment that is down is never
chosen), and LiteLLM's own load balancing, retries and fallbacks still apply among the
deployments it keeps. The same object listens to the calls' outcomes (cost, latency,
429s) for the policies, and puts the decision in the response headers.

Two modes, as :class:`routed_llm.RoutedClient` has: a strong/weak pair (deployments tagged
``strong`` or ``weak``), or N candidates (``models=[...]`` with an N-model router;
deployments tagged with a candidate's ``model``), where the request goes to the best
quality-for-cost candidate and, when it has no healthy deployment, to the next one of the
prompt's ranking.

Only the mapping of the router's choice onto deployments lives here; scoring, thresholds,
the attempt order and the policies' admissions are a :class:`routed_llm.routing.Router`'s,
the one :class:`routed_llm.RoutedClient` uses too.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from litellm._logging import verbose_router_logger
from litellm.integrations.custom_logger import CustomLogger

from routed_llm import ConfigurationError, RoutingConfig
from routed_llm.config import DEFAULT_SCORER, check_mode, scorer_argument
from routed_llm.decision import ModelRole, RoutingDecision
from routed_llm.estimates import CallEstimator
from routed_llm.pricing import PriceBook
from routed_llm.routing import Lease, Router, RoutingPolicy
from routed_llm.scorers.base import RouterScorer

__all__ = ["DECISION_KEY", "HEADER_PREFIX", "ROLE_KEY", "RoutedLLMRouting"]

ROLE_KEY = "routed_llm_role"
"""The ``model_info`` key that tags a deployment ``strong`` or ``weak``."""
DECISION_KEY = "routed_llm"
"""Where the decision is written in the request's metadata (and so in LiteLLM's logs)."""
HEADER_PREFIX = "x-routed-llm-"
_ROLES: tuple[ModelRole, ModelRole] = ("strong", "weak")
_HEADERS = ("scorer", "router", "score", "threshold", "role", "policy", "model")
_METADATA_KEYS = ("metadata", "litellm_metadata")
_CASCADE_OPTIONS = ("mode", "checker", "verifier", "weak_samples", "cascade_band")
"""The configuration's cascade options, which a routing strategy cannot honour."""


class RoutedLLMRouting(CustomLogger):
    """Route each request of a tagged model group to the deployments of the model it needs.

    Register it as a LiteLLM callback (``litellm_settings.callbacks`` in the proxy config,
    or ``litellm.callbacks`` with a ``litellm.Router``). A model group takes part when its
    deployments carry ``model_info: {routed_llm_role: strong}`` or ``weak`` (or, with
    ``models=[...]``, a candidate's ``model``); other groups are left to LiteLLM. Several
    deployments may share a tag: LiteLLM balances among them.

    The choice, the order of the tags to try and the policies' admissions are a
    :class:`routed_llm.routing.Router`'s (:attr:`router`), the same as
    :class:`routed_llm.RoutedClient` uses: its model names are the tags (``strong`` and
    ``weak``, or the candidates' ``model``). This class only maps tags to healthy
    deployments, keeps each admission (a :class:`~routed_llm.routing.Lease`) until
    LiteLLM reports the attempt's outcome, and writes the decision into the request.

    With ``models`` the router must be an N-model one (it predicts each candidate's
    quality) and ``cost_weight`` prices quality against cost, as in
    ``RoutedClient(models=...)``; policies then guard the first candidate (the ``strong``
    role) and send what they refuse to the best other candidate.

    Example (``routed_llm_routing.py`` beside the proxy's ``config.yaml``)::

        from pathlib import Path
        from routed_llm_proxy import RoutedLLMRouting

        routing = RoutedLLMRouting.from_proxy_config(Path(__file__).with_name("config.yaml"))

    The routing options (``strong_share``, ``models``, ``cost_weight``, ``policies``,
    ``prompt_view``, ``max_prompt_chars``) are :class:`routed_llm.RoutingConfig`'s, checked
    there; ``scorer`` defaults to ``"default"``, as the client's does (``router=`` is its
    deprecated name). ``on_error`` is the role a request gets when the scorer fails (the
    request is still served); ``max_call_s`` bounds how long an admitted call may stay
    unreported before its admission is returned to the policies (a client that hung up
    mid-stream).

    ``mode`` is ``"route"`` only: a cascade (``mode="cascade"``/``"hybrid"``, ``checker``,
    ``verifier``, ``weak_samples``, ``cascade_band``) is refused (:func:`_refuse_cascade` says why); run
    :class:`routed_llm.RoutedClient` in cascade mode in front of the proxy instead.
    """

    def __init__(
        self,
        scorer: str | RouterScorer | None = DEFAULT_SCORER,
        threshold: float | None = None,
        *,
        role_key: str = ROLE_KEY,
        on_error: ModelRole = "strong",
        max_call_s: float = 600.0,
        router: str | RouterScorer | None = None,
        **options: Any,
    ) -> None:
        super().__init__()
        if on_error not in _ROLES:
            raise ConfigurationError("on_error", f"must be 'strong' or 'weak', got {on_error!r}")
        if not isinstance(role_key, str) or not role_key:
            raise ConfigurationError("role_key", f"must be a non-empty string, got {role_key!r}")
        if isinstance(max_call_s, bool) or not isinstance(max_call_s, (int, float)) or not max_call_s > 0:
            raise ConfigurationError("max_call_s", f"must be a number > 0, got {max_call_s!r}")
        _refuse_cascade(options)
        pair = {"strong": "strong", "weak": "weak"} if options.get("models") is None else {}
        config = RoutingConfig.from_options(
            "RoutedLLMRouting", scorer=scorer_argument(scorer, router), threshold=threshold, **pair, **options
        )
        for name in config.litellm_kwargs:
            raise ConfigurationError(name, "not an option of the routing plugin (litellm arguments belong to model_list)")
        self.router: Router = config.build_router()
        self._estimator = CallEstimator(PriceBook(config.prices))
        self.targets: tuple[str, ...] = tuple(self.router.models)
        self.role_key = role_key
        self.on_error: ModelRole = on_error
        self.max_call_s = float(max_call_s)
        self._leases: dict[str, tuple[Lease, float]] = {}
        self._releasing = 0
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], **overrides: Any) -> RoutedLLMRouting:
        """Build from the proxy config's ``routed_llm`` section (see :mod:`routed_llm_proxy.settings`)."""
        from routed_llm_proxy.settings import routing_kwargs

        return cls(**{**routing_kwargs(settings), **overrides})

    @classmethod
    def from_proxy_config(cls, path: str | Any, **overrides: Any) -> RoutedLLMRouting:
        """Build from the ``routed_llm`` section of a LiteLLM Proxy ``config.yaml``.

        ``overrides`` replace settings by keyword (``scorer=FakeScorer(...)`` in tests).
        """
        from routed_llm_proxy.settings import read_section

        return cls.from_settings(read_section(path), **overrides)

    @property
    def policies(self) -> tuple[RoutingPolicy, ...]:
        return self.router.policies

    def in_flight(self) -> int:
        """Admitted calls whose outcome the policies have not received yet."""
        with self._lock:
            return len(self._leases) + self._releasing

    def __repr__(self) -> str:
        return (
            f"RoutedLLMRouting({self.router.describe()}, "
            f"policies={[p.name for p in self.policies]!r}, role_key={self.role_key!r})"
        )

    # -- routing ----------------------------------------------------------------------------
    async def async_filter_deployments(
        self,
        model: str,
        healthy_deployments: list[Any],
        messages: list[Any] | None,
        request_kwargs: dict[str, Any] | None = None,
        parent_otel_span: Any = None,
    ) -> list[Any]:
        """Keep only the deployments of the model the router chose for this request."""
        groups: dict[str, list[Any]] = {}
        for deployment in healthy_deployments:
            target = self._target_of(deployment)
            if target is not None:
                groups.setdefault(target, []).append(deployment)
        if not groups:
            return healthy_deployments
        metadata = _metadata(request_kwargs)
        earlier = metadata.get(DECISION_KEY) if metadata is not None else None
        if isinstance(earlier, dict) and earlier.get("model_group") == model:
            # A retry or a re-pick within the same request keeps the first decision.
            await self._readmit(earlier, groups, self._estimate(messages or [], groups, request_kwargs or {}))
            earlier.setdefault("deployments", {}).update(_deployments(groups))
            return groups[_first_available(earlier["order"], groups)]
        await asyncio.to_thread(self._expire_admissions)
        record = await self._decide(model, messages, groups, request_kwargs or {})
        if metadata is not None:
            metadata[DECISION_KEY] = record
        return groups[record["target"]]

    async def _decide(self, model: str, messages: list[Any] | None, groups: Mapping[str, list[Any]],
                      request_kwargs: Mapping[str, Any]) -> dict[str, Any]:
        placed = {"model_group": model, "deployments": _deployments(groups)}
        try:
            decision = await self._route(messages or [])
        except Exception as exc:  # the request must still be served: the failure is logged and recorded
            verbose_router_logger.warning(
                "routed-llm: router %r failed (%s: %s); model group %r goes to its %s deployments",
                self.router.scorer.name, type(exc).__name__, exc, model, self.on_error,
            )
            order = self.router.led_by(self.router.models, self.router.model_for(self.on_error))
            return {**self._placed(order, groups), **placed, "policy": "router_error",
                    "scorer": self.router.scorer.name, "router": self.router.scorer.name, "score": None,
                    "threshold": None, "admission": None}
        order = self.router.order(decision)
        # Policies may wait on Redis: keep the proxy's event loop serving meanwhile.
        estimate = self._estimate(messages or [], groups, request_kwargs)
        lease = await asyncio.to_thread(self.router.admit, order, estimate=estimate)
        record = {**_decision_fields(decision), **placed, "policy": decision.policy, "admitted_role": decision.role,
                  "admission": None}
        self._hold(record, lease, order, groups)
        record["routed"] = record["target"]
        return record

    async def _readmit(self, record: dict[str, Any], groups: Mapping[str, list[Any]],
                       estimate: Callable[[str], float | None]) -> None:
        """Admit a retry of the request as a call of its own once the last attempt was released.

        Every attempt is a call the concurrency cap must count and whose outcome the
        policies must see, and LiteLLM reports a failed attempt (releasing its admission)
        before it retries: without a new admission the retry would run uncounted. While the
        last admission is still held (a re-pick within one attempt) nothing is admitted, so
        nothing is counted twice. A policy may now refuse the strong role (the cap is full):
        the retry then goes down the order, as a first attempt would.
        """
        token = record.get("admission")
        with self._lock:
            if token is None or token in self._leases:  # router failed (nothing admitted), or still held
                return
        order = list(record["order"])
        lease = await asyncio.to_thread(self.router.admit, order, estimate=estimate)
        self._hold(record, lease, order, groups)

    def _estimate(self, messages: Sequence[Any], groups: Mapping[str, list[Any]],
                  request_kwargs: Mapping[str, Any]) -> Callable[[str], float | None]:
        """What a call to each target may cost before it answers, for a spend budget to reserve:
        its priciest deployment's price for this prompt's tokens plus the completion allowance
        (``max_tokens``, else 256 tokens), from litellm's price map or ``prices:``. Computed only
        when a policy asks (counting tokens is not free), once per target; ``None`` when no
        deployment of the target is priced. So a proxy that has just started never reserves $0
        for a priced model (issue 27, B4)."""

        @functools.cache
        def cost(target: str) -> float | None:
            found = []
            for deployment in groups.get(target, []):
                model = (deployment.get("litellm_params") or {}).get("model")
                if isinstance(model, str):
                    tokens = self._estimator.prompt_tokens(model, messages)
                    found.append(self._estimator.reservation(model, tokens, request_kwargs))
            priced = [usd for usd in found if usd is not None]
            return max(priced) if priced else None

        return cost

    def _hold(self, record: dict[str, Any], lease: Lease | None, order: list[str],
              groups: Mapping[str, list[Any]]) -> None:
        """Keep ``lease`` until its outcome is reported, and place the record where it sends the call."""
        if lease is not None:
            if lease.model != order[0]:
                order = self.router.led_by(order, lease.model)
            token = uuid.uuid4().hex
            with self._lock:
                self._leases[token] = (lease, time.monotonic())
            record.update(admission=token, admitted_role=lease.role)
            if lease.policy is not None:
                record["policy"] = lease.policy
        record.update(self._placed(order, groups))

    def _placed(self, order: list[str], groups: Mapping[str, list[Any]]) -> dict[str, Any]:
        """The record's fields that say where the request goes: the first tag of ``order`` with
        healthy deployments (policy ``unavailable`` when that is not the first)."""
        target = _first_available(order, groups)
        placed: dict[str, Any] = {"target": target, "role": self.router.role_of(target), "order": order}
        if target != order[0]:
            placed["policy"] = "unavailable"
        return placed if self.router.fleet is None else {**placed, "model": target}

    async def _route(self, messages: list[Any]) -> RoutingDecision:
        if hasattr(self.router.scorer, "ascore"):
            return await self.router.aroute(messages)
        # Neural scorers compute on the CPU: keep the proxy's event loop serving meanwhile.
        return await asyncio.to_thread(self.router.route, messages)

    def _target_of(self, deployment: Any) -> str | None:
        info = deployment.get("model_info") if isinstance(deployment, Mapping) else None
        target = info.get(self.role_key) if isinstance(info, Mapping) else None
        if target is None:
            return None
        if target not in self.targets:
            allowed = " or ".join(repr(name) for name in self.targets)
            raise ConfigurationError(
                f"model_info.{self.role_key}", f"must be {allowed}, got {target!r} "
                f"(deployment {(deployment.get('litellm_params') or {}).get('model')!r})"
            )
        return str(target)

    # -- outcomes -----------------------------------------------------------------------------
    async def async_log_success_event(self, kwargs: dict[str, Any], response_obj: Any, start_time: Any,
                                      end_time: Any) -> None:
        cost = kwargs.get("response_cost")
        await self._report(kwargs, float(cost) if isinstance(cost, (int, float)) else None, _seconds(start_time, end_time),
                           None)

    async def async_log_failure_event(self, kwargs: dict[str, Any], response_obj: Any, start_time: Any,
                                      end_time: Any) -> None:
        error = kwargs.get("exception")
        await self._report(kwargs, None, _seconds(start_time, end_time),
                           error if isinstance(error, Exception) else _UnreportedFailure())

    async def _report(self, kwargs: Mapping[str, Any], cost: float | None, latency_s: float,
                      error: Exception | None) -> None:
        """Release the attempt's admission once, with the outcome of the call that answered."""
        record = _decision_in(kwargs)
        token = record.get("admission") if record else None
        if not token:
            return
        with self._lock:
            held = self._leases.pop(token, None)
            if held is None:
                return
            self._releasing += 1
        try:
            await asyncio.to_thread(held[0].release, cost=cost, error=error, latency_s=latency_s)
        finally:
            with self._lock:
                self._releasing -= 1

    def _expire_admissions(self) -> None:
        horizon = time.monotonic() - self.max_call_s
        with self._lock:
            stale = [token for token, (_, since) in self._leases.items() if since < horizon]
            leases = [self._leases.pop(token)[0] for token in stale]
        for lease in leases:
            lease.release(error=TimeoutError(f"no outcome within max_call_s={self.max_call_s}"),
                          latency_s=self.max_call_s)

    # -- response headers (proxy) -------------------------------------------------------------
    async def async_post_call_response_headers_hook(
        self,
        data: dict[str, Any],
        user_api_key_dict: Any,
        response: Any,
        request_headers: dict[str, str] | None = None,
        litellm_call_info: dict[str, Any] | None = None,
    ) -> dict[str, str] | None:
        """``x-routed-llm-*`` headers: scorer (and ``router``, its former name), score, threshold,
        role, policy (and model, for N models).

        Once the answer is known, ``role``/``model`` name the deployment that answered (which
        differs from the chosen one after LiteLLM retried elsewhere), ``deployment`` its
        litellm model, and ``fallback`` says whether it is not the one the router chose.
        """
        record = _decision_in(data)
        if record is None:
            return None
        fields = dict(record)
        answered = _answered_by(record, response, litellm_call_info)
        if answered is not None:
            target, deployment = answered
            fields.update(role=self.router.role_of(target), deployment=deployment,
                          fallback="true" if target != record.get("routed", record.get("target")) else "false")
            if self.router.fleet is not None:
                fields["model"] = target
        names = (*_HEADERS, "deployment", "fallback")
        headers = {f"{HEADER_PREFIX}{name}": _header_value(fields.get(name)) for name in names
                   if fields.get(name) is not None}
        return headers or None


def _refuse_cascade(options: Mapping[str, Any]) -> None:
    """Refuse the cascade options, naming the first one given (a mode that is no mode at all
    fails by the configuration's rule first).

    This plugin is a routing strategy: LiteLLM asks it which deployments may take a request
    before any model is called, so it never sees an answer to verify. A post-call hook of
    the proxy does see the answer, but calls made from a hook are not requests of the proxy:
    the checker's and the strong model's calls would escape the virtual key's
    authentication, budgets, rate limits and spend logs; the checker could only start once
    the weak answer had arrived; and a plain ``litellm.Router`` has no such hook. A client
    in cascade mode in front of the proxy gets all of it: each of its calls is a proxy
    request, and the weak and checker calls run concurrently.
    """
    if options.get("mode") is not None:
        check_mode(options["mode"])
    given = [name for name in _CASCADE_OPTIONS if options.get(name) not in (None, "route", 0)]
    if given:
        raise ConfigurationError(
            given[0], "the proxy's routing plugin cannot cascade: it picks a deployment before any model has answered, "
            "and a cascade must read the weak answer and make further calls. Use mode: route here, and run "
            "routed_llm.RoutedClient(mode='cascade', checker=..., api_base=<the proxy's URL>) in front of the proxy, "
            "each model its own model group (docs/quickstart/litellm-proxy.md, 'Cascades')"
        )


class _UnreportedFailure(Exception):
    """A failed attempt LiteLLM reported without its exception."""


def _first_available(order: Sequence[str], groups: Mapping[str, list[Any]]) -> str:
    """The first tag of ``order`` with healthy deployments (the group's first tag if none has)."""
    return next((target for target in order if groups.get(target)), next(iter(groups)))


def _metadata(request_kwargs: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not request_kwargs:
        return None
    for key in _METADATA_KEYS:
        value = request_kwargs.get(key)
        if isinstance(value, dict):
            return value
    return None


def _decision_in(kwargs: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The decision stamped on a request, wherever LiteLLM carried the metadata."""
    places = [kwargs, kwargs.get("litellm_params") or {}]
    for place in places:
        for key in _METADATA_KEYS:
            metadata = place.get(key) if isinstance(place, Mapping) else None
            if isinstance(metadata, Mapping) and isinstance(metadata.get(DECISION_KEY), Mapping):
                return metadata[DECISION_KEY]  # type: ignore[no-any-return]
    return None


def _deployments(groups: Mapping[str, list[Any]]) -> dict[str, list[str]]:
    """Each tagged deployment's id -> its tag and litellm model, to name the one that answers."""
    found: dict[str, list[str]] = {}
    for target, deployments in groups.items():
        for deployment in deployments:
            ident = (deployment.get("model_info") or {}).get("id")
            if ident is not None:
                found[str(ident)] = [target, str((deployment.get("litellm_params") or {}).get("model"))]
    return found


def _answered_by(record: Mapping[str, Any], response: Any, call_info: Mapping[str, Any] | None) -> list[str] | None:
    """The tag and litellm model of the deployment that answered, when LiteLLM says which."""
    ident = (call_info or {}).get("model_id") or (getattr(response, "_hidden_params", None) or {}).get("model_id")
    deployments = record.get("deployments")
    if ident is None or not isinstance(deployments, Mapping):
        return None
    return deployments.get(str(ident))


def _decision_fields(decision: RoutingDecision) -> dict[str, Any]:
    """What the request's record keeps of the decision (``router``: the scorer's former key)."""
    return {"scorer": decision.scorer, "router": decision.scorer, "score": decision.score,
            "threshold": decision.threshold, "latency_ms": decision.latency_ms}


def _header_value(value: Any) -> str:
    if isinstance(value, float):
        return "inf" if value == float("inf") else f"{value:.6g}"
    return str(value)


def _seconds(start: Any, end: Any) -> float:
    if isinstance(start, datetime) and isinstance(end, datetime):
        return max(0.0, (end - start) / timedelta(seconds=1))
    if isinstance(start, (int, float)) and isinstance(end, (int, float)):
        return max(0.0, float(end) - float(start))
    return 0.0
