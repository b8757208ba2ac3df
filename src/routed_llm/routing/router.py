"""Routers: choose the model for a prompt, order the models to try, admit each call.

A :class:`Router` holds everything about *which* model answers and nothing about *how* it
is called: the scorer, the cut-off or cost weight, the policies, the attempt order and
the admissions (:class:`~routed_llm.routing.lease.Lease`). Callers (the litellm
:class:`~routed_llm.RoutedClient`, the LiteLLM Proxy plugin) make the calls and release
the leases, so both routes agree by construction.

Two implementations: :class:`PairRouter` (a strong and a weak model, a score against a
threshold) and :class:`FleetRouter` (N candidates, predicted quality against cost; what
roles, pins and policies mean there is in :mod:`routed_llm.routing.fleet`). Both are
built by :meth:`routed_llm.RoutingConfig.build_router`, which validates their settings.
"""

from __future__ import annotations

import copy
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from routed_llm.cutoff import check_cut_off
from routed_llm.decision import ModelRole, RoutingDecision
from routed_llm.errors import ConfigurationError, InvalidPromptError, RoutedLLMError, ScorerError
from routed_llm.pricing import PriceBook
from routed_llm.prompts import DEFAULT_MAX_PROMPT_CHARS, Messages, PromptView, prompt_text
from routed_llm.routing.fleet import Fleet
from routed_llm.routing.lease import Lease
from routed_llm.routing.nmodel import Candidate
from routed_llm.routing.policy import CostEstimate, Grant, RoutingPolicy
from routed_llm.routing.threshold import ThresholdPolicy
from routed_llm.scorers.base import RouterScorer, check_scores

__all__ = ["NO_TEXT_POLICY", "FleetRouter", "ModelCost", "PairRouter", "Router"]

logger = logging.getLogger("routed_llm.client")

NO_TEXT_POLICY = "no_text"
"""The policy of a decision for a prompt with media but no text: nothing to score, so the
weak model (the last candidate) answers, and the fallback, when enabled, is the strong one."""

_ROLES: tuple[ModelRole, ModelRole] = ("strong", "weak")

ModelCost = Callable[[str], "float | None"]
"""USD one call would cost on a model (``None``: unpriced), estimated before it is made."""


class Router(ABC):
    """Decide, order the attempts, and admit each call under the policies.

    ``route``/``aroute`` make a :class:`~routed_llm.RoutingDecision`; :meth:`attempts`
    yields the admitted calls to try for it, best first; every :class:`Lease` it yields
    must be released by whoever makes the call.
    """

    fleet: Fleet | None = None
    """The N-model candidates and cost-quality choice (``None`` for a pair)."""

    def __init__(
        self,
        scorer: RouterScorer,
        *,
        policies: Sequence[RoutingPolicy] = (),
        prompt_view: PromptView = "last_user",
        max_prompt_chars: int | None = DEFAULT_MAX_PROMPT_CHARS,
    ) -> None:
        self.scorer = scorer
        self.prompt_view: PromptView = prompt_view
        self.max_prompt_chars = max_prompt_chars
        self.policies = tuple(policies)

    # -- what is routed ---------------------------------------------------------------------
    @property
    @abstractmethod
    def models(self) -> list[str]:
        """Every model this router may choose, the strong one first."""

    @property
    def strong(self) -> str:
        return self.models[0]

    @property
    def weak(self) -> str:
        return self.models[-1]

    @property
    @abstractmethod
    def threshold(self) -> float:
        """What a decision's ``threshold`` holds: the cut-off (pair) or the cost weight (fleet)."""

    @abstractmethod
    def role_of(self, model: str) -> ModelRole:
        """``strong`` for the strong model (the first candidate), ``weak`` for every other."""

    def model_for(self, role: ModelRole) -> str:
        return self.strong if role == "strong" else self.weak

    def kwargs_for(self, model: str) -> dict[str, Any]:
        """litellm arguments this router's configuration gives ``model`` alone."""
        return {}

    # -- deciding -----------------------------------------------------------------------------
    def prompt(self, messages: Messages) -> str:
        """The text the scorer sees for ``messages``."""
        return prompt_text(messages, view=self.prompt_view, max_chars=self.max_prompt_chars)

    def route(
        self,
        messages: Messages,
        *,
        threshold: float | None = None,
        strong_share: float | None = None,
        route_to: str | None = None,
    ) -> RoutingDecision:
        """Score ``messages`` and choose a model.

        ``threshold``/``strong_share`` override the cut-off for this call (pairs only);
        ``route_to`` pins the model (policy ``forced``): a role or a model string, or among
        N candidates a candidate's model or name. A prompt whose text is empty or
        whitespace raises :class:`~routed_llm.InvalidPromptError`; one that carries only
        media (images, audio, files) has nothing to score and goes to the weak model
        (policy ``no_text``).
        """
        started = time.perf_counter()
        check_cut_off(threshold, strong_share, n_models=self.fleet is not None)
        text = self.prompt(messages)
        pinned = self._pinned(text, messages) if route_to is None else None
        score = self._score(text) if self._scores_text(pinned) else None
        return _logged(self._decide(text, score, started, _Asked(threshold, strong_share, route_to, pinned)))

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
        check_cut_off(threshold, strong_share, n_models=self.fleet is not None)
        text = self.prompt(messages)
        pinned = self._pinned(text, messages) if route_to is None else None
        score = await self._ascore(text) if self._scores_text(pinned) else None
        return _logged(self._decide(text, score, started, _Asked(threshold, strong_share, route_to, pinned)))

    # -- attempts and admission -----------------------------------------------------------------
    def order(self, decision: RoutingDecision) -> list[str]:
        """Every model worth trying for ``decision``, best first."""
        return self._ranking(decision)

    def plan(self, decision: RoutingDecision, *, fallback: bool) -> list[str]:
        """The models :meth:`attempts` will try: the chosen one, and with ``fallback`` the rest."""
        order = self.order(decision)
        return order if fallback else order[:1]

    def led_by(self, order: Sequence[str], model: str) -> list[str]:
        """``order`` restarted at ``model``: after a weak model, the strong one goes last."""
        rest = [item for item in order if item != model]
        if self.role_of(model) == "weak":
            rest = [item for item in rest if self.role_of(item) == "weak"] + [
                item for item in rest if self.role_of(item) == "strong"
            ]
        return [model, *rest]

    def admit(
        self,
        order: Sequence[str],
        wanted: str | None = None,
        *,
        tried: Collection[str] = (),
        fell_back: bool = False,
        estimate: ModelCost | None = None,
    ) -> Lease | None:
        """Admit a call to ``wanted`` (``order[0]`` by default) under the policies.

        A policy may move the call to the weak role: it then goes to the next weak model of
        ``order``. ``None`` (the admission already given back) when that model was tried.
        ``estimate(model)`` is the caller's guess of the call's USD cost on a model (a budget
        reserves it); without one, budgets reserve what they have observed.
        """
        wanted = order[0] if wanted is None else wanted
        role = self.role_of(wanted)

        def cost_in(asked: ModelRole) -> float | None:
            if estimate is None:
                return None
            return estimate(wanted if self.role_of(wanted) == asked else self.model_for(asked))

        grants, role, acting = self._grants(role, cost_in, wanted)
        model = wanted if role == self.role_of(wanted) else self._redirect(order, role, tried)
        lease = Lease(grants, model or wanted, role, policy=acting, fell_back=fell_back)
        if not model or model in tried:
            lease.skip()
            return None
        return lease

    def admit_extra(self, model: str, *, estimate: ModelCost | None = None) -> Lease:
        """Admit a call to ``model`` outside the routing choice (a cascade's checker or
        self-check), in the weak role, whatever a policy would move it to: a budget reserves
        and settles its cost like any other call's (a concurrency cap counts strong calls only)."""
        grants, _, _ = self._grants("weak", lambda _role: None if estimate is None else estimate(model), model)
        return Lease(grants, model, "weak")

    def _grants(
        self, role: ModelRole, cost_in: CostEstimate, model: str
    ) -> tuple[list[tuple[RoutingPolicy, Grant]], ModelRole, str | None]:
        """Ask each policy in order to admit a call in ``role``: what each granted, the role
        they leave it in and the last policy that moved it. If a policy raises, what the
        earlier ones granted goes back to them before the error propagates."""
        grants: list[tuple[RoutingPolicy, Grant]] = []
        acting = None
        try:
            for policy in self.policies:
                granted = policy.grant(role, cost_in)
                grants.append((policy, granted))
                if granted.role != role:
                    role, acting = granted.role, policy.name
        except BaseException:
            Lease(grants, model, role).skip()
            raise
        return grants, role, acting

    def attempts(
        self, decision: RoutingDecision, *, fallback: bool, estimate: ModelCost | None = None
    ) -> Iterator[Lease]:
        """The calls to try for ``decision``, in order, each admitted; none is yielded twice."""
        tried: set[str] = set()
        order = self.order(decision)
        for index, wanted in enumerate(self.plan(decision, fallback=fallback)):
            lease = self.admit(order, wanted, tried=tried, fell_back=index > 0, estimate=estimate)
            if lease is not None:
                tried.add(lease.model)
                yield lease

    def set_target_cost(self, texts: Sequence[str], target_cost: float) -> float:
        """N models: the cost weight whose choices average ``target_cost`` USD on ``texts``."""
        raise ConfigurationError("target_cost", "applies to N-model routing (RoutedClient(models=[...]))")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()}, policies={[p.name for p in self.policies]!r})"

    @abstractmethod
    def describe(self) -> str:
        """The arguments that say what this router chooses between, for reprs."""

    # -- internals ----------------------------------------------------------------------------
    def _pinned(self, text: str, messages: Messages) -> tuple[ModelRole, str] | None:
        """A role this prompt must go to whatever its score, and the policy that says so."""
        if not text.strip():
            if not _has_media(messages):
                raise InvalidPromptError("messages: the prompt to route is empty or whitespace only")
            return "weak", NO_TEXT_POLICY
        for policy in self.policies:
            role = policy.pin(text)
            if role is not None:
                return role, policy.name
        return None

    def _scores_text(self, pinned: tuple[ModelRole, str] | None) -> bool:
        """Whether the decision needs the scorer's output (a pair records it even when pinned)."""
        return pinned is None or pinned[1] != NO_TEXT_POLICY

    def _score(self, text: str) -> float | None:
        try:
            return float(check_scores(self.scorer.score([text]), 1, self.scorer.name)[0])
        except RoutedLLMError:
            raise
        except Exception as exc:
            raise ScorerError(f"router {self.scorer.name!r} failed: {type(exc).__name__}: {exc}") from exc

    async def _ascore(self, text: str) -> float | None:
        ascore = getattr(self.scorer, "ascore", None)
        if ascore is None:
            return self._score(text)
        try:
            return float(check_scores(await ascore([text]), 1, self.scorer.name)[0])
        except RoutedLLMError:
            raise
        except Exception as exc:
            raise ScorerError(f"router {self.scorer.name!r} failed: {type(exc).__name__}: {exc}") from exc

    @abstractmethod
    def _decide(self, text: str, score: float | None, started: float, asked: _Asked) -> RoutingDecision: ...

    @abstractmethod
    def _ranking(self, decision: RoutingDecision) -> list[str]: ...

    @abstractmethod
    def _redirect(self, order: Sequence[str], role: ModelRole, tried: Collection[str]) -> str | None:
        """The model a call moved to ``role`` by a policy goes to instead."""


class PairRouter(Router):
    """A strong and a weak model: strong when the score reaches the threshold."""

    def __init__(
        self,
        strong: str,
        weak: str,
        scorer: RouterScorer,
        threshold: float | None = None,
        *,
        strong_share: float | None = None,
        **options: Any,
    ) -> None:
        super().__init__(scorer, **options)
        self._pair = [strong, weak]
        self.policy = self._cut_off(threshold, strong_share)

    def with_cut_off(self, threshold: float | None = None, strong_share: float | None = None) -> PairRouter:
        """This router at another cut-off, sharing its scorer and policies (so their state:
        windows, spend, counts): how a client follows a changed threshold without a rebuild."""
        check_cut_off(threshold, strong_share)
        router = copy.copy(self)
        router.policy = self._cut_off(threshold, strong_share)
        return router

    def _cut_off(self, threshold: float | None, strong_share: float | None) -> ThresholdPolicy:
        if strong_share is not None:
            return ThresholdPolicy(self.scorer.threshold_for_strong_share(strong_share))  # type: ignore[attr-defined]
        return ThresholdPolicy(0.5 if threshold is None else threshold)

    @property
    def models(self) -> list[str]:
        return list(self._pair)

    @property
    def threshold(self) -> float:
        return self.policy.threshold

    def role_of(self, model: str) -> ModelRole:
        return "strong" if model == self._pair[0] else "weak"

    def describe(self) -> str:
        return f"strong={self.strong!r}, weak={self.weak!r}, scorer={self.scorer.name!r}, threshold={self.threshold!r}"

    def pinned_role(self, route_to: str) -> ModelRole:
        """The role ``route_to`` names: ``"strong"``/``"weak"`` or either model string."""
        for role in _ROLES:
            if route_to in (role, self.model_for(role)):
                return role
        raise ConfigurationError(
            "route_to", f"must be {self.strong!r}, {self.weak!r}, 'strong' or 'weak' to pin a model, got {route_to!r}"
        )

    def _decide(self, text: str, score: float | None, started: float, asked: _Asked) -> RoutingDecision:
        threshold, strong_share, pinned = asked.threshold, asked.strong_share, asked.pinned
        if strong_share is not None:
            cut = self.scorer.threshold_for_strong_share(strong_share)  # type: ignore[attr-defined]
        else:
            cut = self.threshold if threshold is None else threshold
        route_to = None if asked.route_to is None else self.pinned_role(asked.route_to)
        policy = self.policy.name
        role: ModelRole = "weak"
        if score is not None:
            role = "strong" if self.policy.use_strong(score, cut) else "weak"
            for extra_policy in self.policies:
                cut = extra_policy.adjust_threshold(cut, score)
                adjusted: ModelRole = "strong" if self.policy.use_strong(score, cut) else "weak"
                if adjusted != role:
                    role, policy = adjusted, extra_policy.name
        if pinned is not None:
            role, policy = pinned
        if route_to is not None:
            role, policy = route_to, "forced"
        return RoutingDecision(
            scorer=self.scorer.name,
            score=0.0 if score is None else score,
            threshold=cut,
            model=self.model_for(role),
            role=role,
            latency_ms=(time.perf_counter() - started) * 1000.0,
            policy=policy,
        )

    def _ranking(self, decision: RoutingDecision) -> list[str]:
        return self.led_by(self._pair, decision.model)

    def _redirect(self, order: Sequence[str], role: ModelRole, tried: Collection[str]) -> str | None:
        return self.model_for(role)


class FleetRouter(Router):
    """N candidates: the best predicted quality for its expected cost (see :mod:`routed_llm.routing.fleet`)."""

    def __init__(
        self,
        candidates: Sequence[str | Mapping[str, Any] | Candidate],
        scorer: RouterScorer,
        prices: PriceBook,
        *,
        cost_weight: float = 0.0,
        **options: Any,
    ) -> None:
        super().__init__(scorer, **options)
        self.fleet: Fleet = Fleet(candidates, scorer, prices, cost_weight=cost_weight)

    @property
    def models(self) -> list[str]:
        return self.fleet.models

    @property
    def threshold(self) -> float:
        return self.fleet.policy.cost_weight

    def role_of(self, model: str) -> ModelRole:
        return self.fleet.role_of(model)

    def kwargs_for(self, model: str) -> dict[str, Any]:
        return self.fleet.kwargs_for(model)

    def describe(self) -> str:
        return f"models={self.models!r}, scorer={self.scorer.name!r}, cost_weight={self.threshold!r}"

    def set_target_cost(self, texts: Sequence[str], target_cost: float) -> float:
        return self.fleet.target_cost(texts, target_cost)

    def _scores_text(self, pinned: tuple[ModelRole, str] | None) -> bool:
        return False  # the fleet predicts every candidate's quality itself

    def _decide(self, text: str, score: float | None, started: float, asked: _Asked) -> RoutingDecision:
        pinned = asked.pinned
        decision = self.fleet.decide(text, started, asked.route_to if pinned is None else pinned[0])
        return decision if pinned is None else decision.with_outcome(policy=pinned[1])

    def _ranking(self, decision: RoutingDecision) -> list[str]:
        return list(decision.extra.get("ranking", [decision.model]))

    def _redirect(self, order: Sequence[str], role: ModelRole, tried: Collection[str]) -> str | None:
        if role == "strong":
            return self.strong
        return self.fleet.redirect(order, set(tried))


@dataclass(frozen=True)
class _Asked:
    """What one routing call asks beyond the prompt: per-call cut-off, a pinned model, a policy's pin."""

    threshold: float | None
    strong_share: float | None
    route_to: str | None
    pinned: tuple[ModelRole, str] | None


def _has_media(messages: Messages) -> bool:
    """Whether any message carries a non-text content part (an image, audio, a file)."""
    if isinstance(messages, str):
        return False
    for message in messages:
        content = message.get("content") if isinstance(message, Mapping) else None
        if isinstance(content, Sequence) and not isinstance(content, (str, bytes, bytearray)):
            if any(isinstance(part, Mapping) and part.get("type", "text") != "text" for part in content):
                return True
    return False


def _logged(decision: RoutingDecision) -> RoutingDecision:
    logger.debug(
        "routed to %s (%s): scorer=%s score=%.4f threshold=%.4f policy=%s decide_ms=%.3f",
        decision.model, decision.role, decision.scorer, decision.score, decision.threshold, decision.policy,
        decision.latency_ms,
    )
    return decision
