"""``RoutedChatModel``: LangChain's chat-model interface over ``routed_llm.RoutedClient``.

The class translates and nothing else: LangChain messages, tools and streams become the
OpenAI-format dicts litellm takes, the client scores and chooses, and the litellm
response becomes an ``AIMessage`` whose ``response_metadata`` carries the decision. The
pure converters come first; the class follows.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any, Literal, TypeVar, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ToolMessage,
    convert_to_openai_messages,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
    make_invalid_tool_call,
    parse_tool_call,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.prompt_values import PromptValue, StringPromptValue
from langchain_core.runnables import Runnable, RunnableConfig, RunnableMap, RunnablePassthrough, ensure_config
from langchain_core.tools import BaseTool
from langchain_core.utils import secret_from_env
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import ConfigDict, Field, PrivateAttr, SecretStr, field_serializer

from routed_llm import ConfigurationError, RoutedClient, RoutedResponse, RoutingDecision
from routed_llm.decision import ModelRole
from routed_llm.pricing import ModelPrice
from routed_llm.prompts import DEFAULT_MAX_PROMPT_CHARS, PromptView
from routed_llm.routing.policy import RoutingPolicy
from routed_llm.scorers import RouterScorer
from routed_llm.secrets import is_secret_key

__all__ = ["RoutedChatModel"]

ROUTING_KEY = "routing"
"""Key of the routing decision in ``response_metadata`` and ``llm_output``."""

_DECISION_KWARG = "routing_decision"
_RESERVED_KWARGS = frozenset({"model", "messages", "stream"})
_ROLES: tuple[ModelRole, ModelRole] = ("strong", "weak")
_PLAIN_ROLES = {"human": "user", "system": "system"}

StructuredOutputMethod = Literal["function_calling", "json_schema", "json_mode"]


# -- LangChain -> litellm -----------------------------------------------------------------
def _convert_message_to_dict(message: BaseMessage) -> dict[str, Any]:
    """One LangChain message as the OpenAI-format dict litellm translates for every provider.

    Assistant turns are rebuilt from ``tool_calls`` and their text alone: provider-specific
    blocks another model left in the content (Anthropic ``tool_use``, ``thinking``, v1
    ``tool_call`` blocks) would be rejected by the model reading them now.
    """
    if isinstance(message, AIMessage):
        return _assistant_to_dict(message)
    role = _PLAIN_ROLES.get(message.type)
    if role is not None and isinstance(message.content, str):  # the common case, kept cheap
        converted = {"role": role, "content": message.content}
        if message.name:
            converted["name"] = message.name
        return converted
    return cast("dict[str, Any]", convert_to_openai_messages(message))


def _assistant_to_dict(message: AIMessage) -> dict[str, Any]:
    tool_calls = [
        {
            "id": call["id"],
            "type": "function",
            "function": {"name": call["name"], "arguments": json.dumps(call["args"], ensure_ascii=False)},
        }
        for call in message.tool_calls
    ] + [
        {"id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": call["args"] or ""}}
        for call in message.invalid_tool_calls
    ]
    text = message.text
    converted: dict[str, Any] = {"role": "assistant", "content": text if text or not tool_calls else None}
    if tool_calls:
        converted["tool_calls"] = tool_calls
    if message.name:
        converted["name"] = message.name
    return converted


def _convert_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    return [_convert_message_to_dict(message) for message in messages]


def _sticky_role(messages: Sequence[BaseMessage], *, by_model: bool = False) -> str | None:
    """The role that issued the tool call the history is answering, when it is known
    (its model string with ``by_model``: among N candidates a role names no single model).

    A history ending in a ``ToolMessage`` is mid tool-loop: the model that asked for the
    tool should read its result, because another model may not parse the first one's
    tool-call format. The answer is read back from the routing decision that model's
    ``AIMessage`` carries, so no state is kept between calls.
    """
    if not messages or not isinstance(messages[-1], ToolMessage):
        return None
    call_id = messages[-1].tool_call_id
    for message in reversed(messages):
        if isinstance(message, AIMessage) and any(call.get("id") == call_id for call in message.tool_calls):
            routing = message.response_metadata.get(ROUTING_KEY)
            if by_model:
                model = routing.get("model") if isinstance(routing, Mapping) else None
                return model if isinstance(model, str) else None
            role = routing.get("role") if isinstance(routing, Mapping) else None
            return cast("ModelRole", role) if role in _ROLES else None
    return None


def _format_tool_choice(tool_choice: dict[str, Any] | str | bool, tools: Sequence[Mapping[str, Any]]) -> Any:
    """LangChain's ``tool_choice`` spellings in the OpenAI form litellm expects."""
    if isinstance(tool_choice, dict):
        return tool_choice
    if tool_choice is True or tool_choice in ("any", "required"):
        return "required"
    if tool_choice is False or tool_choice == "none":
        return "none"
    if tool_choice == "auto":
        return tool_choice
    names = [tool["function"]["name"] for tool in tools]
    if tool_choice not in names:
        raise ConfigurationError(
            "tool_choice", f"{tool_choice!r} names no bound tool; use 'auto', 'any', 'none' or one of {names}"
        )
    return {"type": "function", "function": {"name": tool_choice}}


def _json_schema_format(schema: Any, strict: bool | None) -> dict[str, Any]:
    function = convert_to_openai_tool(schema, strict=strict)["function"]
    json_schema: dict[str, Any] = {"name": function["name"], "schema": function["parameters"]}
    if function.get("description"):
        json_schema["description"] = function["description"]
    if strict is not None:
        json_schema["strict"] = strict
    return {"type": "json_schema", "json_schema": json_schema}


def _wrap_secrets(values: Mapping[str, Any]) -> dict[str, Any]:
    """Hold secret-named values as ``SecretStr`` so the model's repr never shows them."""
    return {
        key: SecretStr(value) if isinstance(value, str) and is_secret_key(key)
        else _wrap_secrets(value) if isinstance(value, Mapping) else value
        for key, value in values.items()
    }


def _unwrap_secrets(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: value.get_secret_value() if isinstance(value, SecretStr)
        else _unwrap_secrets(value) if isinstance(value, Mapping) else value
        for key, value in values.items()
    }


def _provider_of(model: str) -> str:
    """litellm's provider prefix (``openai/gpt-4o`` -> ``openai``), as LangSmith wants it."""
    provider, slash, _ = model.partition("/")
    return provider if slash else "routed_llm"


# -- litellm -> LangChain -----------------------------------------------------------------
def _usage_metadata(usage: Any) -> UsageMetadata | None:
    if usage is None:
        return None
    input_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
    output_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
    metadata = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=int(getattr(usage, "total_tokens", 0) or input_tokens + output_tokens),
    )
    cached = getattr(getattr(usage, "prompt_tokens_details", None), "cached_tokens", None)
    if isinstance(cached, int):
        metadata["input_token_details"] = {"cache_read": cached}
    reasoning = getattr(getattr(usage, "completion_tokens_details", None), "reasoning_tokens", None)
    if isinstance(reasoning, int):
        metadata["output_token_details"] = {"reasoning": reasoning}
    return metadata


def _routing_metadata(decision: RoutingDecision) -> dict[str, Any]:
    return {"model_name": decision.model, ROUTING_KEY: decision.to_dict()}


def _convert_response_to_message(reply: RoutedResponse, routing: Mapping[str, Any]) -> AIMessage:
    """The assistant message of a litellm response, with the decision in its metadata."""
    choice = reply.response.choices[0]
    tool_calls: list[Any] = []
    invalid_tool_calls: list[Any] = []
    for raw in choice.message.tool_calls or []:
        raw_call = {"id": raw.id, "function": {"name": raw.function.name, "arguments": raw.function.arguments}}
        try:
            tool_calls.append(parse_tool_call(raw_call, return_id=True))
        except OutputParserException as exc:
            invalid_tool_calls.append(make_invalid_tool_call(raw_call, str(exc)))
    response_metadata = {
        **routing,
        "finish_reason": choice.finish_reason,
        "id": reply.response.id,
    }
    calls: dict[str, Any] = {}
    if tool_calls:
        calls["tool_calls"] = tool_calls
    if invalid_tool_calls:
        calls["invalid_tool_calls"] = invalid_tool_calls
    return AIMessage(
        content=choice.message.content or "",
        usage_metadata=_usage_metadata(getattr(reply.response, "usage", None)),
        response_metadata=response_metadata,
        id=reply.response.id,
        **calls,
    )


def _convert_response_to_result(reply: RoutedResponse) -> ChatResult:
    routing = _routing_metadata(reply.decision)
    message = _convert_response_to_message(reply, routing)
    return ChatResult(
        generations=[ChatGeneration(message=message)],
        llm_output={**routing, "token_usage": dict(message.usage_metadata or {})},
    )


def _convert_delta_to_chunk(delta: Any) -> AIMessageChunk:
    """One streamed delta (text and/or tool-call fragments) as a message chunk."""
    calls = [
        tool_call_chunk(
            name=getattr(call.function, "name", None),
            args=getattr(call.function, "arguments", None),
            id=call.id,
            index=call.index,
        )
        for call in getattr(delta, "tool_calls", None) or []
    ]
    return AIMessageChunk(content=getattr(delta, "content", None) or "", tool_call_chunks=calls)


def _final_chunk(decision: RoutingDecision, usage: Any, finish_reason: str | None) -> ChatGenerationChunk:
    """The closing chunk: the only one carrying usage, model name and decision, so merging
    the stream counts them once."""
    message = AIMessageChunk(
        content="",
        usage_metadata=_usage_metadata(usage),
        response_metadata={**_routing_metadata(decision), "finish_reason": finish_reason},
        chunk_position="last",
    )
    return ChatGenerationChunk(message=message)


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _signature_once(method: _Method) -> _Method:
    """Store ``method``'s signature on it.

    ``BaseChatModel`` asks ``inspect.signature(self._generate)`` on every call whether it
    takes a ``run_manager``; a stored signature answers at a third of the cost, a measurable
    share of the per-call overhead against a fast provider.
    """
    method.__signature__ = inspect.signature(method)  # type: ignore[attr-defined]
    return method


def _run_options(config: RunnableConfig) -> dict[str, Any]:
    """What ``BaseChatModel.invoke`` hands ``generate_prompt`` from a run's config."""
    return {
        "callbacks": config.get("callbacks"),
        "tags": config.get("tags"),
        "metadata": config.get("metadata"),
        "run_name": config.get("run_name"),
        "run_id": config.pop("run_id", None),
    }


# -- the chat model -----------------------------------------------------------------------
class RoutedChatModel(BaseChatModel):
    """A chat model that sends each request to a strong or a weak model, chosen per prompt.

    A drop-in replacement for ``ChatOpenAI`` and friends: a router scorer estimates how
    much the prompt needs the strong model, the threshold turns that into a choice, and
    litellm calls the chosen model, so any provider pair works.

    Example::

        from langchain_routed_llm import RoutedChatModel

        llm = RoutedChatModel(strong="openai/gpt-4o", weak="groq/llama-3.1-8b-instant", threshold=0.6)
        reply = llm.invoke("Prove that there are infinitely many primes.")
        reply.response_metadata["model_name"]           # the model that answered
        reply.response_metadata["routing"]["score"]     # why

        cheap = llm.bind(threshold=0.9)                 # per call: mostly the weak model
        llm.invoke("hi", config={"configurable": {"strong_share": 0.2}})
        llm.invoke("hi", model="weak")                  # pin a model for one call

    Routing happens once per call, before the callbacks start, so traces name the model
    that answers (``ls_model_name``, ``invocation_params["model"]``) and carry the decision.
    """

    strong: str | None = None
    """litellm model string of the strong, expensive model (``"openai/gpt-4o"``)."""

    weak: str | None = None
    """litellm model string of the weak, cheap model (``"ollama/llama3.1"``)."""

    models: list[str | dict[str, Any]] | None = None
    """N candidates instead of ``strong``/``weak``: litellm model strings or mappings
    ``{"model", "name", "cost", "kwargs"}``, most capable first, routed by an N-model router
    (see :class:`routed_llm.RoutedClient`); ``model=`` then pins a candidate's model or name."""

    cost_weight: float = 0.0
    """With ``models``: quality given up to save one USD per request
    (``argmax predicted quality - cost_weight * expected cost``)."""

    router: str | RouterScorer | None = None
    """The scorer: a registered name, a saved router directory, or a scorer instance.
    ``None`` takes the shipped default router."""

    threshold: float | None = None
    """Strong model when the score reaches it; give this or ``strong_share`` (default 0.5)."""

    strong_share: float | None = None
    """Target share of typical traffic for the strong model; the router turns it into a
    threshold from its calibration quantiles."""

    prompt_view: PromptView = "last_user"
    """Which turns the scorer reads: ``last_user``, ``first_user`` (stable through an
    agent's tool loop), ``all_user`` or ``conversation``."""

    max_prompt_chars: int | None = DEFAULT_MAX_PROMPT_CHARS
    """Longer scorer input keeps its head and tail; ``None`` never truncates."""

    sticky: bool = True
    """Within a tool loop (history ending in a tool result) keep the model that asked for
    the tool, read from that ``AIMessage``'s routing metadata, because switching models
    mid-loop can break tool-call formats."""

    fallback: bool = False
    """On a provider error of the chosen model, call the other one; the decision then
    records ``fallback`` and the ``routed_model``."""

    api_key: SecretStr | None = Field(default_factory=secret_from_env("ROUTED_LLM_API_KEY", default=None))
    """API key sent to both models (read from ``ROUTED_LLM_API_KEY``). Leave unset to let
    litellm read each provider's own variable (``OPENAI_API_KEY``, ...)."""

    api_base: str | None = Field(default=None, alias="base_url")
    """Base URL sent to both models (an OpenAI-compatible server, a proxy)."""

    timeout: float | None = None
    """Seconds before a provider request is abandoned."""

    max_retries: int | None = None
    """Retries of a failed provider call, by litellm (its ``num_retries``), before any fallback."""

    temperature: float | None = None
    """Sampling temperature sent to the chosen model."""

    max_tokens: int | None = None
    """Maximum number of tokens to generate."""

    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop sequences used when a call gives none."""

    streaming: bool = False
    """Whether ``invoke`` streams from the provider under the hood (callbacks see tokens)."""

    stream_usage: bool = True
    """Ask the provider for token usage at the end of a stream."""

    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra litellm arguments for both models (``top_p``, ``extra_headers``, ...)."""

    strong_kwargs: dict[str, Any] = Field(default_factory=dict)
    """litellm arguments for the strong model only (its own ``api_key``, ``api_base``, ...);
    they override the shared ones."""

    weak_kwargs: dict[str, Any] = Field(default_factory=dict)
    """litellm arguments for the weak model only."""

    prices: dict[str, ModelPrice] | None = None
    """USD per token per model, for models litellm's price map does not know."""

    policies: list[RoutingPolicy] = Field(default_factory=list)
    """Policies acting on every call (:mod:`routed_llm.routing`): online calibration, an
    out-of-distribution guard, a spend budget, a concurrency cap, a latency target."""

    model_config = ConfigDict(
        populate_by_name=True, arbitrary_types_allowed=True, hide_input_in_errors=True, protected_namespaces=()
    )

    _client: RoutedClient = PrivateAttr()

    def __init__(self, **data: Any) -> None:
        """Validate the fields, then build the client outside pydantic's validation, so a bad
        value raises a ``ConfigurationError`` naming the field rather than a dump of the input."""
        known = {name for name, info in type(self).model_fields.items() for name in (name, info.alias) if name}
        for name in data:
            if name in ("model", "model_name"):
                raise ConfigurationError(
                    name, "a routed model has several: give strong= and weak=, or models=[...] (litellm model strings)"
                )
            if name not in known:
                raise ConfigurationError(name, "unknown field; pass extra litellm arguments in model_kwargs")
        super().__init__(**data)
        for name in ("model_kwargs", "strong_kwargs", "weak_kwargs"):
            given = getattr(self, name)
            reserved = sorted(_RESERVED_KWARGS.intersection(given))
            if reserved:
                raise ConfigurationError(name, f"{reserved} are set by the router, not by the caller")
            setattr(self, name, _wrap_secrets(given))
        if self.models is not None:
            self.models = [_wrap_secrets(item) if isinstance(item, Mapping) else item for item in self.models]
        shared = _unwrap_secrets(self.model_kwargs)
        for key, value in (
            ("api_key", self.api_key.get_secret_value() if self.api_key else None),
            ("api_base", self.api_base),
            ("timeout", self.timeout),
            ("num_retries", self.max_retries),
        ):
            if value is not None:
                shared[key] = value
        self._client = RoutedClient(
            self.strong,
            self.weak,
            self.router,
            self.threshold,
            strong_share=self.strong_share,
            prompt_view=self.prompt_view,
            max_prompt_chars=self.max_prompt_chars,
            strong_kwargs=_unwrap_secrets(self.strong_kwargs),
            weak_kwargs=_unwrap_secrets(self.weak_kwargs),
            fallback=self.fallback,
            prices=self.prices,
            policies=self.policies,
            models=None if self.models is None else [
                _unwrap_secrets(item) if isinstance(item, Mapping) else item for item in self.models
            ],
            cost_weight=self.cost_weight,
            **shared,
        )

    @field_serializer("policies")
    def _serialize_policies(self, policies: list[RoutingPolicy]) -> list[str]:
        """Policies hold live state (windows, spend); they dump as their names."""
        return [policy.name for policy in policies]

    @field_serializer("router")
    def _serialize_router(self, router: str | RouterScorer | None) -> str | None:
        """A scorer instance dumps as its name, so ``model_dump_json`` works with any router."""
        return router if router is None or isinstance(router, str) else router.name

    # -- identity ------------------------------------------------------------------------
    @property
    def _llm_type(self) -> str:
        return "routed-llm"

    @property
    def client(self) -> RoutedClient:
        """The routing client; its :meth:`~routed_llm.RoutedClient.usage` reports calls and cost."""
        return self._client

    @property
    def _identifying_params(self) -> dict[str, Any]:
        client = self._client
        return {
            "strong": self.strong,
            "weak": self.weak,
            "models": None if client.fleet is None else client.fleet.models,
            "cost_weight": None if client.fleet is None else client.fleet.policy.cost_weight,
            "router": client.scorer.name,
            "threshold": client.threshold,
            "prompt_view": self.prompt_view,
            "sticky": self.sticky,
            "fallback": self.fallback,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "stop": self.stop,
        }

    def _get_invocation_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        """``BaseChatModel``'s parameters (identifying ones, ``_type``, ``stop``, call kwargs),
        built directly rather than through its deprecated ``dict()``, plus the chosen model."""
        decision = kwargs.pop(_DECISION_KWARG, None)
        params = {**self._identifying_params, "_type": self._llm_type, "stop": stop, **kwargs}
        if isinstance(decision, RoutingDecision):
            # the choice as the run starts; the full record, cost included, is in the response
            params["model"] = decision.model
            params[ROUTING_KEY] = {
                "router": decision.router, "score": decision.score, "threshold": decision.threshold,
                "role": decision.role, "policy": decision.policy,
            }
        return params

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        decision = kwargs.get(_DECISION_KWARG)
        requested = kwargs.get("model")
        if isinstance(decision, RoutingDecision):
            model, provider = decision.model, _provider_of(decision.model)
        elif isinstance(requested, str):
            model = self._client.model_for(requested) if requested in _ROLES else requested
            provider = _provider_of(model)
        else:  # routed inside the run (``generate`` called directly): either model may answer
            fleet = self._client.fleet
            model, provider = "|".join(fleet.models if fleet else (self.strong, self.weak)), "routed_llm"
        params = LangSmithParams(ls_provider=provider, ls_model_name=model, ls_model_type="chat")
        temperature = kwargs.get("temperature", self.temperature)
        if isinstance(temperature, (int, float)):
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if isinstance(max_tokens, int):
            params["ls_max_tokens"] = max_tokens
        if stop or self.stop:
            params["ls_stop"] = stop or self.stop
        return params

    def _get_llm_string(self, stop: list[str] | None = None, **kwargs: Any) -> str:
        """Cache key: the chosen model counts, the decision's timing does not."""
        decision = kwargs.pop(_DECISION_KWARG, None)
        if isinstance(decision, RoutingDecision):
            kwargs["model"] = decision.model
        return super()._get_llm_string(stop=stop, **kwargs)

    # -- routing before the run starts ---------------------------------------------------
    def invoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, *, stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        config = ensure_config(config)
        prompt = self._convert_input(input)
        if _DECISION_KWARG not in kwargs:
            messages, options = self._routing_request(prompt, config, kwargs)
            kwargs[_DECISION_KWARG] = self._client.route(messages, **options)
        # ``BaseChatModel.invoke``'s own body, on the prompt and config already prepared
        # here: going through ``super().invoke`` would convert both a second time.
        result = self.generate_prompt([prompt], stop=stop, **_run_options(config), **kwargs)
        return cast("AIMessage", cast("ChatGeneration", result.generations[0][0]).message)

    async def ainvoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, *, stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        config = ensure_config(config)
        prompt = self._convert_input(input)
        if _DECISION_KWARG not in kwargs:
            messages, options = self._routing_request(prompt, config, kwargs)
            kwargs[_DECISION_KWARG] = await self._client.aroute(messages, **options)
        result = await self.agenerate_prompt([prompt], stop=stop, **_run_options(config), **kwargs)
        return cast("AIMessage", cast("ChatGeneration", result.generations[0][0]).message)

    def stream(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, *, stop: list[str] | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        config = ensure_config(config)
        prompt = self._convert_input(input)
        if _DECISION_KWARG not in kwargs:
            messages, options = self._routing_request(prompt, config, kwargs)
            kwargs[_DECISION_KWARG] = self._client.route(messages, **options)
        yield from super().stream(prompt, config, stop=stop, **kwargs)

    async def astream(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, *, stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        config = ensure_config(config)
        prompt = self._convert_input(input)
        if _DECISION_KWARG not in kwargs:
            messages, options = self._routing_request(prompt, config, kwargs)
            kwargs[_DECISION_KWARG] = await self._client.aroute(messages, **options)
        async for chunk in super().astream(prompt, config, stop=stop, **kwargs):
            yield chunk

    def _routing_request(
        self, prompt: PromptValue, config: RunnableConfig, kwargs: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """What to route and how, decided before the run starts so that callbacks and
        traces already see the chosen model (a decision travels in ``kwargs``)."""
        if isinstance(prompt, StringPromptValue):  # ``invoke("text")``: one user turn, no history
            return [{"role": "user", "content": prompt.text}], self._routing_options((), config, kwargs)
        messages = prompt.to_messages()
        return _convert_messages(messages), self._routing_options(messages, config, kwargs)

    def _routing_options(
        self, messages: Sequence[BaseMessage], config: RunnableConfig | None, kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        """Per-call routing options, removed from ``kwargs`` so they never reach litellm.

        Call arguments (``.bind(...)`` included) win over ``config["configurable"]``, which
        wins over the model's fields; a pinned ``model`` (a call argument only: graphs use
        ``configurable["model"]`` for their own purposes) and a sticky tool loop win over
        any threshold.
        """
        configurable = (config or {}).get("configurable") or {}
        options: dict[str, Any] = {}
        given = {key: kwargs.pop(key) for key in ("threshold", "strong_share") if key in kwargs}
        for key in ("threshold", "strong_share"):
            value = given.get(key) if given else configurable.get(key)
            if value is not None:
                options[key] = value
        pinned = kwargs.pop("model", None)
        if pinned is not None:
            options["route_to"] = self._role_of(pinned)
        elif self.sticky:
            sticky = _sticky_role(messages, by_model=self._client.fleet is not None)
            if sticky is not None:
                options["route_to"] = sticky
        return options

    def _role_of(self, model: Any) -> str:
        if self._client.fleet is not None and isinstance(model, str):
            return model  # a candidate's model or name; the client names the known ones if not
        if model in ("strong", self.strong):
            return "strong"
        if model in ("weak", self.weak):
            return "weak"
        raise ConfigurationError(
            "model", f"must be {self.strong!r}, {self.weak!r}, 'strong' or 'weak' to pin a model, got {model!r}"
        )

    def _decision(self, messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> RoutingDecision:
        """The decision made before the run, or one made now (``generate`` called directly)."""
        decision = kwargs.pop(_DECISION_KWARG, None)
        if isinstance(decision, RoutingDecision):
            return decision
        return self._client.route(_convert_messages(messages), **self._routing_options(messages, None, kwargs))

    async def _adecision(self, messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> RoutingDecision:
        decision = kwargs.pop(_DECISION_KWARG, None)
        if isinstance(decision, RoutingDecision):
            return decision
        return await self._client.aroute(_convert_messages(messages), **self._routing_options(messages, None, kwargs))

    def _call_params(self, stop: list[str] | None, kwargs: Mapping[str, Any], *, stream: bool = False) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.temperature is not None:
            params["temperature"] = self.temperature
        if self.max_tokens is not None:
            params["max_tokens"] = self.max_tokens
        stops = stop if stop is not None else self.stop
        if stops:
            params["stop"] = stops
        if stream and not self.stream_usage:
            params["stream_options"] = {"include_usage": False}
        params.update(kwargs)
        return params

    # -- calling -----------------------------------------------------------------------------
    @_signature_once
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        decision = self._decision(messages, kwargs)
        reply = self._client.complete_with(decision, _convert_messages(messages), **self._call_params(stop, kwargs))
        return _convert_response_to_result(reply)

    @_signature_once
    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        decision = await self._adecision(messages, kwargs)
        reply = await self._client.acomplete_with(
            decision, _convert_messages(messages), **self._call_params(stop, kwargs)
        )
        return _convert_response_to_result(reply)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        decision = self._decision(messages, kwargs)
        stream = self._client.stream_with(
            decision, _convert_messages(messages), **self._call_params(stop, kwargs, stream=True)
        )
        usage: Any = None
        finish_reason: str | None = None
        for raw in stream:
            usage = getattr(raw, "usage", None) or usage
            for choice in raw.choices[:1]:
                finish_reason = choice.finish_reason or finish_reason
                message = _convert_delta_to_chunk(choice.delta)
                if message.content or message.tool_call_chunks:
                    yield ChatGenerationChunk(message=message)
        yield _final_chunk(stream.decision, usage, finish_reason)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        decision = await self._adecision(messages, kwargs)
        stream = await self._client.astream_with(
            decision, _convert_messages(messages), **self._call_params(stop, kwargs, stream=True)
        )
        usage: Any = None
        finish_reason: str | None = None
        async for raw in stream:
            usage = getattr(raw, "usage", None) or usage
            for choice in raw.choices[:1]:
                finish_reason = choice.finish_reason or finish_reason
                message = _convert_delta_to_chunk(choice.delta)
                if message.content or message.tool_call_chunks:
                    yield ChatGenerationChunk(message=message)
        yield _final_chunk(stream.decision, usage, finish_reason)

    # -- tools and structured output ----------------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Offer ``tools`` to whichever model is chosen (OpenAI format; litellm adapts it).

        ``tool_choice``: ``"auto"``, ``"none"``, ``"any"``/``"required"``/``True`` (some
        tool must be called), a tool name, or an OpenAI ``tool_choice`` dict.
        """
        formatted = [convert_to_openai_tool(tool, strict=strict) for tool in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = _format_tool_choice(tool_choice, formatted)
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: StructuredOutputMethod = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """Answers parsed into ``schema`` (a pydantic class, a TypedDict or a JSON schema).

        ``function_calling`` (default) forces a call to a tool shaped like the schema,
        which every tool-calling provider supports; ``json_schema`` asks for native
        structured output; ``json_mode`` asks for any JSON object (describe the keys in
        the prompt).
        """
        if kwargs:
            raise ConfigurationError("with_structured_output", f"unexpected arguments {sorted(kwargs)}")
        if schema is None and method != "json_mode":
            raise ConfigurationError("schema", f"method {method!r} needs a schema")
        is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
        structured_format = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
        parser: Runnable[Any, Any]
        if method == "function_calling":
            tool_name = convert_to_openai_tool(schema)["function"]["name"]
            llm = self.bind_tools(
                [schema], tool_choice=tool_name, strict=strict, ls_structured_output_format=structured_format  # type: ignore[list-item]
            )
            parser = (
                PydanticToolsParser(tools=[schema], first_tool_only=True)  # type: ignore[list-item]
                if is_pydantic
                else JsonOutputKeyToolsParser(key_name=tool_name, first_tool_only=True)
            )
        elif method in ("json_schema", "json_mode"):
            response_format = (
                _json_schema_format(schema, strict) if method == "json_schema" else {"type": "json_object"}
            )
            llm = self.bind(response_format=response_format, ls_structured_output_format=structured_format)
            parser = PydanticOutputParser(pydantic_object=schema) if is_pydantic else JsonOutputParser()  # type: ignore[arg-type]
        else:
            raise ConfigurationError(
                "method", f"must be 'function_calling', 'json_schema' or 'json_mode', got {method!r}"
            )
        if not include_raw:
            return llm | parser
        parsed = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
        no_parse = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=llm) | parsed.with_fallbacks([no_parse], exception_key="parsing_error")

