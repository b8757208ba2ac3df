"""What the LangChain and LlamaIndex adapters share, so that both route alike.

Each framework adapter translates its own message and response types; everything about
routing that is not translation lives here, once: turning the adapter's fields into a
:class:`~routed_llm.RoutedClient` (rebuilt when a field changes, so assignment and
``model_copy`` take effect on the next call), splitting a call's keyword arguments into
router options and litellm arguments, the sticky tool-loop rule, the text to score when
a framework fills a template, secrets held out of fields' reprs, token usage, the
``tool_choice`` spellings, and provider errors that keep their provider's type.

Nothing here imports LangChain or LlamaIndex (pydantic comes with litellm), and
``import routed_llm`` does not import this module.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import SecretStr

from routed_llm.client import RoutedClient
from routed_llm.decision import RoutingDecision
from routed_llm.errors import ConfigurationError, ProviderError
from routed_llm.pricing import ModelPrice
from routed_llm.prompts import DEFAULT_MAX_PROMPT_CHARS, Messages, PromptView
from routed_llm.routing.policy import RoutingPolicy
from routed_llm.scorers.base import RouterScorer
from routed_llm.secrets import is_secret_key

__all__ = [
    "DEFAULT_ROUTER",
    "AdapterFields",
    "QUESTION_VARIABLES",
    "RESERVED_KWARGS",
    "ROUTING_KEY",
    "ROUTING_OPTIONS",
    "STICKY_POLICY",
    "BuiltClient",
    "RoutingSettings",
    "Turn",
    "adapter_settings",
    "aroute",
    "check_threshold_field",
    "conceal",
    "pin_target",
    "provider_error",
    "provider_errors",
    "question_of",
    "reveal",
    "route",
    "routing_text",
    "split_call_options",
    "sticky_target",
    "token_usage",
    "normalise_tool_choice",
    "without_secrets",
]

ROUTING_KEY = "routing"
"""Key of the decision in each framework's response metadata (``response_metadata``,
``additional_kwargs``, ``raw``)."""

DEFAULT_ROUTER = "default"
"""The router every entry point uses when none is given: the shipped default."""

STICKY_POLICY = "sticky"
"""Policy recorded when a tool result is answered by the model that asked for the tool
(a user's pin records ``forced``)."""

ROUTING_OPTIONS = ("threshold", "strong_share", "route_to")
"""Call keyword arguments that steer the router instead of going to litellm."""

QUESTION_VARIABLES = ("query_str", "question", "query", "input")
"""Template variables holding the user's question, in the order they are looked for:
LlamaIndex's ``query_str`` first, then the names LangChain and most RAG prompts use."""

RESERVED_KWARGS = frozenset({"model", "messages", "stream"})
"""litellm arguments the router sets itself; a caller pins with ``route_to`` and streams with
the framework's stream methods."""

_PROVIDER_ATTRIBUTES = (
    "status_code", "llm_provider", "model", "code", "type", "param", "request_id", "num_retries", "max_retries",
)
"""Attributes of a provider exception carried over to :func:`provider_error`'s error:
the ones code retries or branches on. Bodies, responses and debug text are left behind
because a provider may echo the request's credentials in them."""

_routing_text: ContextVar[str | None] = ContextVar("routed_llm_routing_text", default=None)


# -- settings -> client -------------------------------------------------------------------
@dataclass(frozen=True)
class RoutingSettings:
    """What a client is built from, compared field by field to know when to rebuild.

    Thresholds are not here: adapters pass them with each call, so changing one never
    rebuilds the client (nor resets its usage ledger or its policies' state).
    """

    strong: str | None = None
    weak: str | None = None
    router: str | RouterScorer | None = DEFAULT_ROUTER
    models: Sequence[str | Mapping[str, Any]] | None = None
    cost_weight: float = 0.0
    prompt_view: PromptView = "last_user"
    max_prompt_chars: int | None = DEFAULT_MAX_PROMPT_CHARS
    fallback: bool = False
    prices: Mapping[str, ModelPrice] | None = None
    policies: Sequence[RoutingPolicy] = ()
    litellm_kwargs: Mapping[str, Any] = field(default_factory=dict)
    strong_kwargs: Mapping[str, Any] = field(default_factory=dict)
    weak_kwargs: Mapping[str, Any] = field(default_factory=dict)

    def build(self) -> RoutedClient:
        return RoutedClient(
            self.strong,
            self.weak,
            self.router,
            prompt_view=self.prompt_view,
            max_prompt_chars=self.max_prompt_chars,
            strong_kwargs=reveal(self.strong_kwargs),
            weak_kwargs=reveal(self.weak_kwargs),
            fallback=self.fallback,
            prices=self.prices,
            policies=self.policies,
            models=None if self.models is None else [
                reveal(item) if isinstance(item, Mapping) else item for item in self.models
            ],
            cost_weight=self.cost_weight,
            **reveal(self.litellm_kwargs),
        )


class AdapterFields(Protocol):
    """The fields both adapters name alike (see ``docs/options.md``)."""

    strong: str | None
    weak: str | None
    router: str | RouterScorer | None
    cost_weight: float
    prompt_view: PromptView
    max_prompt_chars: int | None
    fallback: bool
    prices: Mapping[str, ModelPrice] | None
    policies: Sequence[RoutingPolicy]
    strong_kwargs: Mapping[str, Any]
    weak_kwargs: Mapping[str, Any]
    api_key: SecretStr | None
    api_base: str | None
    timeout: float | None
    max_retries: int | None


def adapter_settings(
    fields: AdapterFields, shared: Mapping[str, Any], models: Sequence[str | Mapping[str, Any]] | None
) -> RoutingSettings:
    """The settings an adapter's fields describe: ``shared`` is its field of litellm arguments
    for both models (``model_kwargs``, ``additional_kwargs``), ``models`` its N candidates.
    The named provider fields win over the same keys in ``shared``."""
    if models is not None and (fields.strong is not None or fields.weak is not None):
        raise ConfigurationError("models", "give either models=[...] or strong and weak, not both")
    litellm_kwargs = dict(shared)
    for key, value in (
        ("api_key", fields.api_key),
        ("api_base", fields.api_base),
        ("timeout", fields.timeout),
        ("num_retries", fields.max_retries),
    ):
        if value is not None:
            litellm_kwargs[key] = value
    return RoutingSettings(
        strong=None if models is not None else fields.strong,
        weak=None if models is not None else fields.weak,
        router=fields.router,
        models=models,
        cost_weight=fields.cost_weight,
        prompt_view=fields.prompt_view,
        max_prompt_chars=fields.max_prompt_chars,
        fallback=fields.fallback,
        prices=fields.prices,
        policies=tuple(fields.policies),
        litellm_kwargs=litellm_kwargs,
        strong_kwargs=fields.strong_kwargs,
        weak_kwargs=fields.weak_kwargs,
    )


@dataclass(frozen=True)
class BuiltClient:
    """A client and the settings it was built from.

    Immutable, so an adapter replaces (never mutates) the one it holds: a ``model_copy``
    starts with its original's client and rebuilds its own only when its settings differ.
    """

    settings: RoutingSettings
    client: RoutedClient

    @classmethod
    def for_settings(cls, held: BuiltClient | None, settings: RoutingSettings) -> BuiltClient:
        """``held`` when it was built from ``settings``, else a client built from them."""
        if held is not None and held.settings == settings:
            return held
        return cls(settings, settings.build())


def check_threshold_field(name: str, value: float | None) -> float | None:
    """A threshold or strong share must lie in [0, 1]: scores are probabilities, so 0 sends
    everything strong and ``strong_share=0`` everything weak; other values are typos."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ConfigurationError(name, f"must be a number between 0 and 1, got {value!r}")
    return float(value)


# -- per-call options ---------------------------------------------------------------------
def split_call_options(
    kwargs: Mapping[str, Any], defaults: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A call's keyword arguments as (router options, litellm arguments).

    Router options given with the call win over ``defaults`` (the adapter's fields, or a
    LangChain ``configurable``); a call's ``threshold`` also replaces a default
    ``strong_share`` and the other way round, since only one cut-off can apply.
    """
    reserved = sorted(RESERVED_KWARGS.intersection(kwargs))
    if reserved:
        raise ConfigurationError(
            reserved[0], "is set by the router; pin a model with route_to=, stream with the framework's stream methods"
        )
    given = {key: kwargs[key] for key in ROUTING_OPTIONS if kwargs.get(key) is not None}
    options = {key: value for key, value in defaults.items() if value is not None}
    if "threshold" in given or "strong_share" in given:
        options.pop("threshold", None)
        options.pop("strong_share", None)
    options.update(given)
    for name in ("threshold", "strong_share"):
        check_threshold_field(name, options.get(name))
    litellm = {key: value for key, value in kwargs.items() if key not in ROUTING_OPTIONS}
    return options, litellm


def pin_target(value: str, strong: str | None, weak: str | None, *, field: str = "route_to") -> str:
    """What ``route_to`` (or LangChain's ``model``) names, as the client takes it.

    Between two models: ``"strong"``/``"weak"`` or either model string. Among N
    candidates (no ``strong``/``weak``), a candidate's model or name, which the client checks.
    """
    if strong is None or weak is None:
        return value
    if value in ("strong", strong):
        return "strong"
    if value in ("weak", weak):
        return "weak"
    raise ConfigurationError(field, f"must be {strong!r}, {weak!r}, 'strong' or 'weak' to pin a model, got {value!r}")


# -- sticky tool loops --------------------------------------------------------------------
@dataclass(frozen=True)
class Turn:
    """The little of a framework message the sticky rule reads.

    ``call_ids``: for an assistant turn, the tool calls it issued; for a tool turn, the
    call it answers. ``routing``: the decision an assistant turn carries, if any.
    """

    role: str
    call_ids: tuple[str, ...] = ()
    routing: Mapping[str, Any] | None = None


def sticky_target(turns: Sequence[Turn], *, by_model: bool) -> str | None:
    """The model that must read the tool results ``turns`` end with, or ``None``.

    The rule: when the history ends with tool results, the assistant turn just before
    them issued the calls; if it carries a routing decision (and, where both sides name
    call ids, issued one of the calls answered), its model answers next, because another
    model may not read the first one's tool-call format. The role is returned between
    two models, the model string among N (``by_model``), where a role names no single model.
    """
    if not turns or turns[-1].role != "tool":
        return None
    answered: set[str] = set()
    index = len(turns) - 1
    while index >= 0 and turns[index].role == "tool":
        answered.update(turns[index].call_ids)
        index -= 1
    if index < 0 or turns[index].role != "assistant":
        return None
    issuer = turns[index]
    if answered and issuer.call_ids and answered.isdisjoint(issuer.call_ids):
        return None
    routing = issuer.routing or {}
    target = routing.get("model") if by_model else routing.get("role")
    if by_model:
        return target if isinstance(target, str) else None
    return target if target in ("strong", "weak") else None


# -- what is scored -----------------------------------------------------------------------
@contextmanager
def routing_text(text: str) -> Iterator[None]:
    """Score ``text`` instead of the messages for the routed calls made inside the block.

    Frameworks fill templates (retrieved context, instructions) around the user's
    question; the router should judge the question. LlamaIndex's ``RoutedLLM.predict``
    and kin use this with the template's question variable; LangChain users can wrap a
    chain call in it. Context-local, so concurrent tasks and threads do not mix.
    """
    token = _routing_text.set(text)
    try:
        yield
    finally:
        _routing_text.reset(token)


def question_of(variables: Mapping[str, Any]) -> str | None:
    """The user's question among a template's variables (:data:`QUESTION_VARIABLES`), if any."""
    for name in QUESTION_VARIABLES:
        value = variables.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


def route(
    client: RoutedClient, messages: Messages, options: Mapping[str, Any], sticky_to: str | None = None
) -> RoutingDecision:
    """The decision for one call: the scored text is :func:`routing_text`'s when set; a
    sticky tool loop (``sticky_to``) pins the model unless the call pinned one itself."""
    scored = _routing_text.get() or messages
    if sticky_to is not None and "route_to" not in options:
        return client.route(scored, route_to=sticky_to).with_outcome(policy=STICKY_POLICY)
    return client.route(scored, **options)


async def aroute(
    client: RoutedClient, messages: Messages, options: Mapping[str, Any], sticky_to: str | None = None
) -> RoutingDecision:
    """Async :func:`route`."""
    scored = _routing_text.get() or messages
    if sticky_to is not None and "route_to" not in options:
        return (await client.aroute(scored, route_to=sticky_to)).with_outcome(policy=STICKY_POLICY)
    return await client.aroute(scored, **options)


# -- secrets ------------------------------------------------------------------------------
def conceal(values: Mapping[str, Any]) -> dict[str, Any]:
    """Secret-named strings held as ``SecretStr`` (recursively), so a field's repr and
    dump never show them."""
    return {
        key: SecretStr(value) if isinstance(value, str) and is_secret_key(key)
        else conceal(value) if isinstance(value, Mapping) else value
        for key, value in values.items()
    }


def reveal(values: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`conceal` undone: the values litellm must send."""
    return {
        key: value.get_secret_value() if isinstance(value, SecretStr)
        else reveal(value) if isinstance(value, Mapping) else value
        for key, value in values.items()
    }


def without_secrets(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without secret-named entries (recursively): what a serialised config may hold."""
    return {
        key: without_secrets(value) if isinstance(value, Mapping) else value
        for key, value in values.items()
        if not is_secret_key(key)
    }


# -- responses ----------------------------------------------------------------------------
def token_usage(usage: Any) -> dict[str, int]:
    """A litellm usage object as counts: ``prompt_tokens``, ``completion_tokens``,
    ``total_tokens``, and ``cached_tokens`` / ``reasoning_tokens`` when the provider says."""
    if usage is None:
        return {}
    counts = {key: getattr(usage, key, None) for key in ("prompt_tokens", "completion_tokens", "total_tokens")}
    result = {key: int(value) for key, value in counts.items() if value is not None}
    if "total_tokens" not in result and {"prompt_tokens", "completion_tokens"} <= result.keys():
        result["total_tokens"] = result["prompt_tokens"] + result["completion_tokens"]
    cached = getattr(getattr(usage, "prompt_tokens_details", None), "cached_tokens", None)
    if isinstance(cached, int):
        result["cached_tokens"] = cached
    reasoning = getattr(getattr(usage, "completion_tokens_details", None), "reasoning_tokens", None)
    if isinstance(reasoning, int):
        result["reasoning_tokens"] = reasoning
    return result


def normalise_tool_choice(choice: Mapping[str, Any] | str | bool, tool_names: Sequence[str] | None = None) -> Any:
    """Both frameworks' ``tool_choice`` spellings in the OpenAI form litellm expects.

    ``"auto"``, ``"none"``/``False``, ``"any"``/``"required"``/``True``, a tool's name or
    an OpenAI dict. A name is checked against ``tool_names`` when they are given.
    """
    if isinstance(choice, Mapping):
        return dict(choice)
    if choice is True or choice in ("any", "required"):
        return "required"
    if choice is False or choice == "none":
        return "none"
    if choice == "auto":
        return choice
    if tool_names is not None and choice not in tool_names:
        raise ConfigurationError(
            "tool_choice", f"{choice!r} names no bound tool; use 'auto', 'any', 'none' or one of {list(tool_names)}"
        )
    return {"type": "function", "function": {"name": choice}}


# -- errors -------------------------------------------------------------------------------
@contextmanager
def provider_errors() -> Iterator[None]:
    """Re-raise a :class:`ProviderError` from the block as :func:`provider_error` makes it
    (around calls and stream reads alike, sync or async)."""
    try:
        yield
    except ProviderError as error:
        raise provider_error(error) from None


def provider_error(error: ProviderError) -> ProviderError:
    """``error`` as an instance of both :class:`ProviderError` and its provider's exception
    class (``litellm.RateLimitError``, itself an ``openai.RateLimitError``, ...).

    So ``except ProviderError``, ``except openai.RateLimitError`` and LangChain's
    ``with_retry(retry_if_exception_type=...)`` all see it. It keeps the routing error's
    masked message, ``models`` and ``decision``, and the provider's status and identity
    (:data:`_PROVIDER_ATTRIBUTES`); the provider's exception is not chained, because its
    text and body may echo the request's credentials.
    """
    cause = error.__cause__
    if not isinstance(cause, Exception) or isinstance(cause, ProviderError):
        return error
    combined_type = _combined_type(type(cause))
    combined = combined_type.__new__(combined_type)
    Exception.__init__(combined, *error.args)
    combined.__dict__.update({name: vars(cause)[name] for name in _PROVIDER_ATTRIBUTES if name in vars(cause)})
    combined.__dict__.update(vars(error))
    combined.__dict__["message"] = str(error)
    combined.__suppress_context__ = True
    return combined


@functools.cache
def _combined_type(provider_type: type[Exception]) -> type[ProviderError]:
    """One class per provider exception class (made once: ``except`` compares classes)."""
    return type(
        provider_type.__name__,
        (ProviderError, provider_type),
        {
            "__module__": __name__,
            "__qualname__": provider_type.__name__,
            "__doc__": f"A routed call failed with {provider_type.__module__}.{provider_type.__qualname__}.",
            "__str__": lambda self: Exception.__str__(self),
            "__repr__": lambda self: f"{type(self).__name__}({Exception.__str__(self)!r})",
        },
    )
