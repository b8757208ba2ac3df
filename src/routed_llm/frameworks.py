"""What the LangChain and LlamaIndex adapters share, so that both translate alike.

Routing itself is the client's business: an adapter maps its fields onto a
:class:`~routed_llm.RoutingConfig` (:func:`adapter_config`), its messages onto litellm's
and the sticky rule's (:class:`~routed_llm.routing.sticky.Turn`), and calls the client
once per framework call. What both adapters need beyond that lives here, once: the
template variable holding the question to score, secrets held out of fields' reprs,
token usage, the ``tool_choice`` spellings, and provider errors that keep their
provider's type.

Nothing here imports LangChain or LlamaIndex (pydantic comes with litellm), and
``import routed_llm`` does not import this module.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import SecretStr

from routed_llm.config import RoutingConfig
from routed_llm.errors import ConfigurationError, ProviderError
from routed_llm.secrets import is_secret_key

__all__ = [
    "ADAPTER_FIELDS",
    "QUESTION_VARIABLES",
    "ROUTING_KEY",
    "adapter_config",
    "conceal",
    "normalise_tool_choice",
    "provider_error",
    "provider_errors",
    "question_of",
    "reveal",
    "token_usage",
    "without_secrets",
]

ROUTING_KEY = "routing"
"""Key of the decision in each framework's response metadata (``response_metadata``,
``additional_kwargs``, ``raw``)."""

QUESTION_VARIABLES = ("query_str", "question", "query", "input")
"""Template variables holding the user's question, in the order they are looked for:
LlamaIndex's ``query_str`` first, then the names LangChain and most RAG prompts use."""

_PROVIDER_ATTRIBUTES = (
    "status_code", "llm_provider", "model", "code", "type", "param", "request_id", "num_retries", "max_retries",
)
"""Attributes of a provider exception carried over to :func:`provider_error`'s error:
the ones code retries or branches on. Bodies, responses and debug text are left behind
because a provider may echo the request's credentials in them."""

ADAPTER_FIELDS = (
    "strong", "weak", "scorer", "threshold", "strong_share", "cost_weight", "policies", "fallback", "prices",
    "prompt_view", "max_prompt_chars", "mode", "checker", "verifier", "weak_samples",
    "cascade_band",
)
"""The :class:`~routed_llm.RoutingConfig` options both adapters hold as fields of the same name."""

_PROVIDER_FIELDS = (("api_key", "api_key"), ("api_base", "api_base"), ("timeout", "timeout"), ("max_retries", "num_retries"))
"""Adapter fields named as the frameworks' own litellm classes name them, and litellm's names."""


# -- fields -> configuration ------------------------------------------------------------------
def adapter_config(fields: Any, shared: Mapping[str, Any], models: Sequence[str | Mapping[str, Any]] | None) -> RoutingConfig:
    """The :class:`~routed_llm.RoutingConfig` an adapter's fields describe, secrets revealed.

    ``fields`` is the adapter (its :data:`ADAPTER_FIELDS`, ``strong_kwargs``, ``weak_kwargs``
    and provider fields ``api_key``, ``api_base``, ``timeout``, ``max_retries``); ``shared``
    its field of litellm arguments for both models (``model_kwargs``, ``additional_kwargs``),
    which the named provider fields override; ``models`` its N candidates.
    """
    litellm_kwargs = reveal(shared)
    for name, litellm_name in _PROVIDER_FIELDS:
        value = getattr(fields, name)
        if value is not None:
            litellm_kwargs[litellm_name] = value.get_secret_value() if isinstance(value, SecretStr) else value
    return RoutingConfig(
        **{name: getattr(fields, name) for name in ADAPTER_FIELDS},
        models=None if models is None else [reveal(item) if isinstance(item, Mapping) else item for item in models],
        litellm_kwargs=litellm_kwargs,
        strong_kwargs=reveal(fields.strong_kwargs),
        weak_kwargs=reveal(fields.weak_kwargs),
    )


# -- what is scored -----------------------------------------------------------------------
def question_of(variables: Mapping[str, Any]) -> str | None:
    """The user's question among a template's variables (:data:`QUESTION_VARIABLES`), if any."""
    for name in QUESTION_VARIABLES:
        value = variables.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


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
