"""RoutingConfig: every routing option, defined and validated in one place.

The client, both framework adapters and the LiteLLM Proxy plugin build from a
:class:`RoutingConfig`, so an option has one name, one default and one check whichever
entry point a user starts from; a call's own options (:class:`CallOptions`) are checked by
the same functions. The rules of a cut-off are :mod:`routed_llm.cutoff`'s, which the
router and the scorers' calibration below this layer apply too.

Only values are checked here. What needs the scorer (a share turned into a threshold, an
N-model router's columns) is resolved when :meth:`RoutingConfig.build_router` builds the
:class:`~routed_llm.routing.Router`, at the client's construction, so nothing waits for
the first request.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, get_args

from routed_llm.cutoff import check_cut_off
from routed_llm.errors import ConfigurationError
from routed_llm.pricing import ModelPrice, PriceBook
from routed_llm.prompts import DEFAULT_MAX_PROMPT_CHARS, PromptView, prompt_text
from routed_llm.routing.nmodel import Candidate, check_cost_weight
from routed_llm.routing.policy import RoutingPolicy
from routed_llm.routing.router import FleetRouter, PairRouter, Router
from routed_llm.routing.sticky import Turn
from routed_llm.scorers.base import RouterScorer
from routed_llm.scorers.registry import resolve_scorer
from routed_llm.secrets import redact_mapping
from routed_llm.verifiers.base import BaseVerifier
from routed_llm.verifiers.registry import resolve_verifier

__all__ = [
    "CALL_OPTIONS",
    "DEFAULT_CASCADE_BAND",
    "DEFAULT_SCORER",
    "MODES",
    "CallOptions",
    "Mode",
    "RoutingConfig",
    "check_litellm_kwargs",
    "scorer_argument",
]

Mode = Literal["route", "cascade", "hybrid"]
"""``route``: the router picks the model before any call. ``cascade``: the cheap model answers
first and a verifier decides whether to escalate. ``hybrid``: route the clear cases, cascade
the uncertain band."""

MODES: tuple[str, ...] = get_args(Mode)

MAX_WEAK_SAMPLES = 8
"""The most further samples of the weak model a cascade takes per request."""

SAMPLE_TEMPERATURE = 0.7
"""The temperature of a cascade's further weak samples: at 0 they would repeat the first answer."""

DEFAULT_CASCADE_BAND = (0.2, 1.0)
"""``mode="hybrid"``'s band, as shares of typical traffic ordered by the prompt router's score:
the lowest-scored 20% go straight to the weak model, none straight to the strong one, the rest
is cascaded. ``benchmarks/cascade.py`` found it the best band at <= 30% of always-strong cost
(ARC-Challenge + Winogrande and GSM8K held-out rows); see benchmarks/README.md."""

NEEDS_NO_CHECKER = ("logprob", "self_check", "learned")
"""Verifier names that judge the cheap answer without a checker model's answer."""

DEFAULT_SCORER = "default"
"""The scorer every entry point uses when none is given: the shipped default router."""

CALL_OPTIONS = ("threshold", "strong_share", "route_to", "mode", "scored_text", "sticky")
"""A call's keyword arguments that steer routing instead of going to litellm."""

RESERVED_KWARGS: Mapping[str, str] = MappingProxyType({
    "model": "pin a model with route_to= instead",
    "messages": "pass the messages as the first argument",
    "stream": "call stream() or astream() (or the framework's stream methods) to stream",
})
"""litellm arguments the client sets itself, refused rather than silently overridden."""

_LITELLM_NEIGHBOURS = frozenset({"fallbacks", "max_fallbacks", "model_list", "prompt_id"})
"""litellm's own arguments that look like a misspelt routing option; they pass through
(``tests/unit/test_config.py`` checks litellm's whole parameter list against the options)."""


@dataclass(frozen=True, repr=False)
class RoutingConfig:
    """Everything about routing, validated once at construction.

    Immutable: :meth:`replace` makes a changed copy (validated again). Either ``strong`` and
    ``weak`` (two litellm model strings) or ``models`` (N candidates, most capable first);
    between two models either ``threshold`` or ``strong_share`` (0.5 when neither is given).
    Secret-named litellm arguments are masked in the repr.
    """

    strong: str | None = None
    """litellm model string of the strong, expensive model."""
    weak: str | None = None
    """litellm model string of the weak, cheap model."""
    models: Sequence[str | Mapping[str, Any] | Candidate] | None = None
    """N candidates instead of ``strong``/``weak``: model strings or ``{"model", "name", "cost", "kwargs"}``."""
    scorer: str | RouterScorer | None = DEFAULT_SCORER
    """A registered scorer name, a saved router directory, or a scorer instance; checked where
    it is resolved (:func:`~routed_llm.scorers.resolve_scorer`, by :meth:`build_router`)."""
    threshold: float | None = None
    """Strong when the score reaches it, in [0, 1]."""
    strong_share: float | None = None
    """Target share of typical traffic for the strong model, in [0, 1]; the scorer's
    calibration quantiles turn it into the threshold in force."""
    cost_weight: float = 0.0
    """N models: quality given up to save one USD a request."""
    policies: Sequence[RoutingPolicy] = ()
    """Routing policies (:mod:`routed_llm.routing`), applied in order."""
    fallback: bool = False
    """On a provider failure of the chosen model, try the other one(s)."""
    prices: Mapping[str, ModelPrice] | None = None
    """USD per token, by model, for models litellm's price map lacks."""
    prompt_view: PromptView = "last_user"
    """Which turns the scorer reads (:data:`routed_llm.prompts.PromptView`)."""
    max_prompt_chars: int | None = DEFAULT_MAX_PROMPT_CHARS
    """Longer scorer input keeps its head and tail; ``None`` never truncates."""
    litellm_kwargs: Mapping[str, Any] = field(default_factory=dict)
    """litellm arguments for every call (``api_base``, ``api_key``, ``num_retries``, ...)."""
    strong_kwargs: Mapping[str, Any] = field(default_factory=dict)
    """litellm arguments for the strong model only; they override ``litellm_kwargs``."""
    weak_kwargs: Mapping[str, Any] = field(default_factory=dict)
    """litellm arguments for the weak model only."""
    mode: Mode = "route"
    """How a call is answered (:data:`Mode`)."""
    checker: str | None = None
    """Cascade: litellm model string of the model that checks the cheap answer."""
    verifier: Any = None
    """Cascade: a verifier name, a saved verifier's directory or an instance that judges the cheap
    answer; with ``checker`` and no verifier, agreement with the checker's answer."""
    weak_samples: int = 0
    """Cascade: further answers of the weak model (parallel calls at ``temperature``
    :data:`SAMPLE_TEMPERATURE`) that the agreement verifier compares the cheap answer with,
    beside a checker's or instead of one: a model that reaches the same answer when sampled
    again is rarely wrong by chance (0 to :data:`MAX_WEAK_SAMPLES`)."""
    cascade_band: tuple[float, float] = DEFAULT_CASCADE_BAND
    """``mode="hybrid"``: (low, high) shares of typical traffic by the prompt router's score; below
    ``low`` goes straight to the weak model, above ``high`` straight to the strong one, the band
    between is cascaded (:data:`DEFAULT_CASCADE_BAND`)."""

    def __post_init__(self) -> None:
        self._check_models()
        check_cut_off(self.threshold, self.strong_share, n_models=self.models is not None)
        self._freeze("cost_weight", check_cost_weight(self.cost_weight))
        self._freeze("policies", _policies(self.policies))
        if not isinstance(self.fallback, bool):
            raise ConfigurationError("fallback", f"must be True or False, got {self.fallback!r}")
        if self.prices is not None:
            self._freeze("prices", MappingProxyType(dict(_mapping("prices", self.prices))))
        prompt_text("x", view=self.prompt_view, max_chars=self.max_prompt_chars)  # checks both
        for name in ("litellm_kwargs", "strong_kwargs", "weak_kwargs"):
            values = dict(_mapping(name, getattr(self, name)))
            check_litellm_kwargs(values, name, construction=True, prefix="" if name == "litellm_kwargs" else f"{name}.")
            self._freeze(name, MappingProxyType(values))
        check_mode(self.mode)
        if self.checker is not None and (not isinstance(self.checker, str) or not self.checker.strip()):
            raise ConfigurationError("checker", f"must be a litellm model string or None, got {self.checker!r}")
        if isinstance(self.verifier, str) and not self.verifier.strip() or isinstance(
            self.verifier, (bool, int, float, bytes, Mapping, list, tuple)
        ):
            raise ConfigurationError("verifier", f"must be a verifier name, a verifier or None, got {self.verifier!r}")
        self._freeze("cascade_band", _band(self.cascade_band))
        if isinstance(self.weak_samples, bool) or not isinstance(self.weak_samples, int) or not (
            0 <= self.weak_samples <= MAX_WEAK_SAMPLES
        ):
            raise ConfigurationError("weak_samples", f"must be a whole number from 0 to {MAX_WEAK_SAMPLES}, "
                                     f"got {self.weak_samples!r}")
        if self.mode != "route":
            self.check_cascade(self.mode)

    def check_cascade(self, mode: Mode) -> None:
        """Refuse a cascade this config cannot run: N models, or nothing to judge the cheap answer by."""
        if self.models is not None:
            raise ConfigurationError("mode", f"{mode!r} needs strong= and weak= (a cascade escalates from one to the other)")
        if self.checker is None and not self.weak_samples and getattr(self.verifier, "name", self.verifier) in (
            None, "agreement"
        ):
            raise ConfigurationError(
                "checker", f"mode={mode!r} needs checker= (a cheap model whose answer the weak model's is compared "
                f"with) or weak_samples= (the weak model sampled again), or verifier= one that needs no checker ({', '.join(NEEDS_NO_CHECKER)}, a saved verifier)"
            )

    @classmethod
    def from_options(cls, where: str, /, **options: Any) -> RoutingConfig:
        """A config from keyword arguments as entry point ``where`` takes them: the fields by
        name, and every other argument a litellm one (added to ``litellm_kwargs``). A
        misspelt option fails with a suggestion; litellm's own arguments pass through."""
        names = {item.name for item in dataclasses.fields(cls)}
        fields = {key: value for key, value in options.items() if key in names}
        extra = {key: value for key, value in options.items() if key not in names}
        if extra:
            check_litellm_kwargs(extra, where, construction=True)
            fields["litellm_kwargs"] = {**extra, **fields.get("litellm_kwargs", {})}
        return cls(**fields)

    def build_router(self) -> Router:
        """The router this config describes, its scorer resolved (loaded) now: a
        :class:`~routed_llm.routing.PairRouter` for ``strong``/``weak``, a
        :class:`~routed_llm.routing.FleetRouter` for ``models``."""
        scorer = resolve_scorer(self.scorer)
        options: dict[str, Any] = {
            "policies": self.policies, "prompt_view": self.prompt_view, "max_prompt_chars": self.max_prompt_chars,
        }
        if self.models is None:
            return PairRouter(str(self.strong), str(self.weak), scorer, self.threshold,
                              strong_share=self.strong_share, **options)
        return FleetRouter(self.models, scorer, PriceBook(self.prices), cost_weight=self.cost_weight, **options)

    def build_verifier(self) -> BaseVerifier | None:
        """The verifier a cascade judges the cheap answer with: ``verifier`` resolved, or agreement
        (with the checker, the weak samples or both) when only those are given; ``None`` otherwise."""
        others = self.checker is not None or self.weak_samples > 0
        spec = self.verifier if self.verifier is not None else ("agreement" if others else None)
        if spec is None:
            return None
        verifier = resolve_verifier(spec)
        if getattr(verifier, "coef_", True) is None:
            raise ConfigurationError("verifier", f"{spec!r} is not trained: give a saved verifier's directory "
                                                 "(routed-llm train --verifier learned) or a fitted LearnedVerifier")
        return verifier

    def replace(self, **changes: Any) -> RoutingConfig:
        """A copy with ``changes``, validated like a new config."""
        return dataclasses.replace(self, **changes)

    def differs_only_in_cut_off(self, other: RoutingConfig) -> bool:
        """Whether ``other`` is this config with another threshold or strong share: what a
        client can take on without a new ledger or new policy state."""
        return other != self and other.replace(threshold=self.threshold, strong_share=self.strong_share) == self

    def __repr__(self) -> str:
        shown = []
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if value == item.default or (item.default_factory is not dataclasses.MISSING and not value):
                continue
            if isinstance(value, Mapping) and item.name != "prices":
                value = redact_mapping(value)
            elif item.name == "models":
                value = [redact_mapping(entry) if isinstance(entry, Mapping) else entry for entry in value]
            elif item.name == "policies":
                value = [getattr(policy, "name", policy) for policy in value]
            shown.append(f"{item.name}={value!r}")
        return f"RoutingConfig({', '.join(shown)})"

    def _check_models(self) -> None:
        if self.models is not None:
            if self.strong is not None or self.weak is not None:
                raise ConfigurationError("models", "give either models=[...] or strong and weak, not both")
            if isinstance(self.models, (str, bytes)) or not isinstance(self.models, Sequence):
                raise ConfigurationError("models", f"must be a list of candidates, got {self.models!r}")
            self._freeze("models", tuple(dict(item) if isinstance(item, Mapping) else item for item in self.models))
            return
        for name in ("strong", "weak"):
            model = getattr(self, name)
            if not isinstance(model, str) or not model.strip():
                raise ConfigurationError(name, f"must be a litellm model string (or give models=[...]), got {model!r}")
        if self.strong == self.weak:
            raise ConfigurationError("weak", f"must differ from strong (both are {self.strong!r}): routing needs two models")

    def _freeze(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)


_SETTINGS = tuple(item.name for item in dataclasses.fields(RoutingConfig))


@dataclass(frozen=True)
class CallOptions:
    """What one call asks of the router besides its messages, checked by the config's rules."""

    threshold: float | None = None
    """This call's cut-off instead of the client's."""
    strong_share: float | None = None
    """This call's strong share instead of the client's cut-off."""
    route_to: str | None = None
    """Pin the model: ``"strong"``/``"weak"``, either model string, or (N models) a candidate's model or name."""
    mode: Mode | None = None
    """This call's :data:`Mode` instead of the client's."""
    scored_text: str | None = None
    """Score this text instead of the messages (a template's question, not the filled prompt)."""
    sticky: Sequence[Turn] | None = None
    """The conversation as the sticky rule reads it (:mod:`routed_llm.routing.sticky`): when it
    ends in tool results, the model that asked for the tools answers them."""

    def __post_init__(self) -> None:
        check_cut_off(self.threshold, self.strong_share)
        if self.route_to is not None and (not isinstance(self.route_to, str) or not self.route_to):
            raise ConfigurationError("route_to", f"must name a model or a role, got {self.route_to!r}")
        if self.mode is not None:
            check_mode(self.mode)
        if self.scored_text is not None and (not isinstance(self.scored_text, str) or not self.scored_text.strip()):
            raise ConfigurationError("scored_text", f"must be a non-empty string or None, got {self.scored_text!r}")
        if self.sticky is not None:
            object.__setattr__(self, "sticky", _turns(self.sticky))

    @classmethod
    def split(cls, kwargs: Mapping[str, Any], method: str) -> tuple[CallOptions, dict[str, Any]]:
        """A call's keyword arguments as (routing options, litellm arguments), both checked."""
        options = {key: kwargs[key] for key in CALL_OPTIONS if key in kwargs}
        litellm = {key: value for key, value in kwargs.items() if key not in CALL_OPTIONS}
        check_litellm_kwargs(litellm, method)
        return cls(**options), litellm


def check_mode(mode: Any) -> None:
    if mode not in MODES:
        raise ConfigurationError("mode", f"must be one of {MODES}, got {mode!r}")


def check_litellm_kwargs(
    kwargs: Mapping[str, Any], where: str, *, construction: bool = False, prefix: str = ""
) -> None:
    """Refuse what looks like a routing option among litellm arguments.

    The client's own arguments (``model``, ``messages``, ``stream``), a routing option given
    where it does not apply (a per-call option at construction, a setting with a call), and a
    misspelt one (``strong_shar=``, with a "did you mean") fail naming the argument; every
    other name is litellm's and passes through.
    """
    for name in kwargs:
        if name in RESERVED_KWARGS:
            raise ConfigurationError(f"{prefix}{name}", f"not an argument of {where}: {RESERVED_KWARGS[name]}")
        if name in _LITELLM_NEIGHBOURS:
            continue
        if construction and name in CALL_OPTIONS and name not in _SETTINGS:
            raise ConfigurationError(name, f"is an option of a call (complete, stream, ...), not of {where}")
        if not construction and name in _SETTINGS:
            raise ConfigurationError(name, f"is a setting of the client, not an option of {where}()")
        meant = _meant(name)
        if meant is not None:
            raise ConfigurationError(name, f"unknown routing option; did you mean {meant!r}?")


@functools.lru_cache(maxsize=1024)
def _meant(name: str) -> str | None:
    """The routing option ``name`` looks like a misspelling of (adapters check their
    arguments on every call, and difflib is slow enough to be worth remembering)."""
    close = difflib.get_close_matches(name, [*_SETTINGS, *CALL_OPTIONS, "router"], n=1, cutoff=0.8)
    return close[0] if close and close[0] != name else None


def scorer_argument(scorer: Any, router: Any, *, default: Any = DEFAULT_SCORER) -> Any:
    """The scorer an entry point was given, from ``scorer=`` or its deprecated alias ``router=``."""
    if router is None:
        return scorer
    warnings.warn("router= is deprecated: pass the scorer as scorer=", DeprecationWarning, stacklevel=3)
    if scorer != default:
        raise ConfigurationError("router", "is the old name of scorer; give scorer= only")
    return router


def _band(band: Any) -> tuple[float, float]:
    if (isinstance(band, (str, bytes)) or not isinstance(band, Sequence) or len(band) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in band)
            or not 0.0 <= band[0] < band[1] <= 1.0):
        raise ConfigurationError("cascade_band", f"must be (low, high) shares with 0 <= low < high <= 1, got {band!r}")
    return float(band[0]), float(band[1])


def _mapping(name: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigurationError(name, f"must be a mapping, got {type(value).__name__}")
    return value


def _policies(policies: Any) -> tuple[RoutingPolicy, ...]:
    if isinstance(policies, (str, bytes, Mapping)) or not isinstance(policies, Sequence):
        raise ConfigurationError("policies", f"must be a list of RoutingPolicy, got {policies!r}")
    for index, policy in enumerate(policies):
        if not isinstance(policy, RoutingPolicy):
            raise ConfigurationError(f"policies[{index}]", f"expected a RoutingPolicy, got {type(policy).__name__}")
    return tuple(policies)


def _turns(turns: Any) -> tuple[Turn, ...]:
    if isinstance(turns, (str, bytes)) or not isinstance(turns, Sequence) or not all(
        isinstance(turn, Turn) for turn in turns
    ):
        raise ConfigurationError("sticky", "must be the conversation's turns (routed_llm.routing.sticky.Turn)")
    return tuple(turns)
