"""``RoutedChatModel``: LangChain's chat-model interface over ``routed_llm.RoutedClient``.

The class translates and nothing else: LangChain messages, tools and streams become the
OpenAI-format dicts litellm takes, the client scores and chooses, and the litellm
response becomes an ``AIMessage`` whose ``response_metadata`` carries the decision. The
pure converters come first; the class follows.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any, Literal, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
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
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.tools import BaseTool
from langchain_core.utils import secret_from_env
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)

from routed_llm import ConfigurationError, RoutedClient, RoutedResponse, RoutingConfig, RoutingDecision
from routed_llm.config import (
    DEFAULT_CASCADE_BAND,
    DEFAULT_SCORER,
    Mode,
    check_litellm_kwargs,
    check_mode,
    scorer_argument,
)
from routed_llm.cutoff import check_fraction
from routed_llm.frameworks import (
    ROUTING_KEY,
    adapter_config,
    conceal,
    normalise_tool_choice,
    provider_errors,
    token_usage,
)
from routed_llm.pricing import ModelPrice
from routed_llm.prompts import DEFAULT_MAX_PROMPT_CHARS, PromptView
from routed_llm.routing.policy import RoutingPolicy
from routed_llm.routing.sticky import Turn
from routed_llm.scorers import RouterScorer
from routed_llm.verifiers import BaseVerifier

__all__ = ["RoutedChatModel"]

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


def _turns(messages: Sequence[BaseMessage]) -> list[Turn]:
    """What the sticky rule reads of each message (see :mod:`routed_llm.routing.sticky`)."""
    turns = []
    for message in messages:
        if isinstance(message, ToolMessage):
            turns.append(Turn("tool", (message.tool_call_id,)))
        elif isinstance(message, AIMessage):
            routing = message.response_metadata.get(ROUTING_KEY)
            ids = tuple(call["id"] for call in message.tool_calls if call.get("id"))
            turns.append(Turn("assistant", ids, routing if isinstance(routing, Mapping) else None))
        else:
            turns.append(Turn(message.type))
    return turns


def _json_schema_format(schema: Any, strict: bool | None) -> dict[str, Any]:
    function = convert_to_openai_tool(schema, strict=strict)["function"]
    json_schema: dict[str, Any] = {"name": function["name"], "schema": function["parameters"]}
    if function.get("description"):
        json_schema["description"] = function["description"]
    if strict is not None:
        json_schema["strict"] = strict
    return {"type": "json_schema", "json_schema": json_schema}


def _provider_of(model: str) -> str:
    """litellm's provider prefix (``openai/gpt-4o`` -> ``openai``), as LangSmith wants it."""
    provider, slash, _ = model.partition("/")
    return provider if slash else "routed_llm"


# -- litellm -> LangChain -----------------------------------------------------------------
def _usage_metadata(usage: Any) -> UsageMetadata | None:
    if usage is None:
        return None
    counts = token_usage(usage)
    metadata = UsageMetadata(
        input_tokens=counts.get("prompt_tokens", 0),
        output_tokens=counts.get("completion_tokens", 0),
        total_tokens=counts.get("total_tokens", 0),
    )
    if "cached_tokens" in counts:
        metadata["input_token_details"] = {"cache_read": counts["cached_tokens"]}
    if "reasoning_tokens" in counts:
        metadata["output_token_details"] = {"reasoning": counts["reasoning_tokens"]}
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
        response_metadata=response_metadata,  # the provider's id stays here: LangChain assigns message ids
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


class _StreamTally:
    """Turns litellm stream chunks into LangChain chunks, keeping the usage and finish reason
    for the closing chunk: the only one carrying usage, model name and decision, so merging
    the stream counts them once."""

    def __init__(self) -> None:
        self.usage: Any = None
        self.finish_reason: str | None = None

    def chunks(self, raw: Any) -> list[ChatGenerationChunk]:
        self.usage = getattr(raw, "usage", None) or self.usage
        found = []
        for choice in raw.choices[:1]:
            self.finish_reason = choice.finish_reason or self.finish_reason
            message = _convert_delta_to_chunk(choice.delta)
            if message.content or message.tool_call_chunks:
                found.append(ChatGenerationChunk(message=message))
        return found

    def final(self, decision: RoutingDecision) -> ChatGenerationChunk:
        message = AIMessageChunk(
            content="",
            usage_metadata=_usage_metadata(self.usage),
            response_metadata={**_routing_metadata(decision), "finish_reason": self.finish_reason},
            chunk_position="last",
        )
        return ChatGenerationChunk(message=message)


# -- the chat model -----------------------------------------------------------------------
class RoutedChatModel(BaseChatModel):
    """A chat model that sends each request to a strong or a weak model, chosen per prompt.

    A drop-in replacement for ``ChatOpenAI`` and friends: a router scorer estimates how
    much the prompt needs the strong model, the threshold turns that into a choice, and
    litellm calls the chosen model, so any provider pair works.

    Example::

        from langchain_routed_llm import RoutedChatModel

        llm = RoutedChatModel(strong="openai/gpt-4o", weak="groq/llama-3.1-8b-instant", strong_share=0.3)
        reply = llm.invoke("Prove that there are infinitely many primes.")
        reply.response_metadata["model_name"]           # the model that answered
        reply.response_metadata["routing"]["score"]     # why

        cheap = llm.bind(threshold=0.9)                 # per call: mostly the weak model
        llm.invoke("hi", route_to="weak")               # pin a model for one call (or model="weak")
        llm.threshold = 0.7                             # fields are read at call time

        # Cascade: the weak model answers, kept when a second cheap model agrees, else escalated
        cascade = RoutedChatModel(strong="openai/gpt-4o", weak="openai/gpt-4o-mini",
                                  mode="cascade", checker="groq/llama-3.1-8b-instant")
        cascade.invoke("What is 17 * 23?").response_metadata["routing"]["extra"]["cascade"]  # the verdict
        llm.bind(mode="cascade")                        # or per call

    The fields map onto a :class:`routed_llm.RoutingConfig` (:meth:`to_config`), validated
    there; ``router=`` is the deprecated name of ``scorer=``. Routing happens inside
    ``_generate`` / ``_stream`` (and their async twins): one call into the client per model
    run, which decides and calls. The decision is in the reply's ``response_metadata`` and
    the run's ``llm_output``. The scorer reads the last human message (see
    ``prompt_view``), or the text given to :func:`routed_llm.routing_text` around the call.
    """

    strong: str | None = None
    """litellm model string of the strong, expensive model (``"openai/gpt-4o"``)."""

    weak: str | None = None
    """litellm model string of the weak, cheap model (``"ollama/llama3.1"``)."""

    models: list[str | dict[str, Any]] | None = None
    """N candidates instead of ``strong``/``weak``: litellm model strings or mappings
    ``{"model", "name", "cost", "kwargs"}``, most capable first, routed by an N-model router
    (see :class:`routed_llm.RoutedClient`); ``route_to=`` then pins a candidate's model or name."""

    cost_weight: float = 0.0
    """With ``models``: quality given up to save one USD per request
    (``argmax predicted quality - cost_weight * expected cost``)."""

    scorer: str | RouterScorer | None = DEFAULT_SCORER
    """The scorer: a registered name, a saved router directory, or a scorer instance;
    ``"default"`` is the shipped default router, as in every routed-llm entry point
    (``router=`` is its deprecated name)."""

    threshold: float | None = None
    """Strong model when the score reaches it, between 0 and 1; give this or
    ``strong_share`` (0.5 when neither is given)."""

    strong_share: float | None = None
    """Target share of typical traffic for the strong model, between 0 and 1; the router
    turns it into a threshold from its calibration quantiles."""

    prompt_view: PromptView = "last_user"
    """Which turns the scorer reads: ``last_user``, ``first_user`` (stable through an
    agent's tool loop), ``all_user`` or ``conversation``."""

    max_prompt_chars: int | None = DEFAULT_MAX_PROMPT_CHARS
    """Longer scorer input keeps its head and tail; ``None`` never truncates."""

    mode: Mode = "route"
    """How a call is answered: ``"route"`` (the scorer picks the model before any call),
    ``"cascade"`` (the weak model answers first; a verifier decides whether that answer
    stands or the strong model answers instead) or ``"hybrid"`` (clear cases routed, the
    uncertain band cascaded). Per call: ``llm.bind(mode="cascade")``. A cascaded reply's
    ``response_metadata["routing"]`` has policy ``cascade`` and the verdict in
    ``extra["cascade"]``."""

    checker: str | None = None
    """Cascade: litellm model string of a second cheap model answering beside the weak one;
    with no ``verifier`` named, the weak answer stands when the two agree."""

    verifier: str | BaseVerifier | None = None
    """Cascade: what judges the weak answer: a registered verifier name (``agreement``,
    ``logprob``, ``self_check``, ``learned``), a saved verifier directory or an instance;
    ``None`` compares with the ``checker``'s answer."""

    weak_samples: int = 0
    """Cascade: further answers of the weak model, sampled in parallel, that the agreement verifier
    compares the cheap answer with (beside a checker's, or instead of one)."""
    cascade_band: tuple[float, float] = DEFAULT_CASCADE_BAND
    """``mode="hybrid"``: (low, high) shares of typical traffic ordered by the scorer's score;
    prompts below ``low`` go straight to the weak model, above ``high`` straight to the strong
    one, and the band between is cascaded."""

    sticky: bool = True
    """Within a tool loop (history ending in a tool result) keep the model that asked for
    the tool, read from that ``AIMessage``'s routing metadata, because switching models
    mid-loop can break tool-call formats. Such turns record policy ``sticky``."""

    fallback: bool = False
    """On a provider error of the chosen model, call the other one; the decision then
    records ``fallback`` and the ``routed_model``."""

    api_key: SecretStr | None = Field(default_factory=secret_from_env("ROUTED_LLM_API_KEY", default=None))
    """API key sent to both models (read from ``ROUTED_LLM_API_KEY``). Leave unset to let
    litellm read each provider's own variable (``OPENAI_API_KEY``, ...)."""

    api_base: str | None = Field(default=None, alias="base_url")
    """Base URL sent to both models (an OpenAI-compatible server, a proxy)."""

    timeout: float | None = Field(default=None, alias="request_timeout")
    """Seconds before a provider request is abandoned (``request_timeout`` as in ChatLiteLLM)."""

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
        populate_by_name=True,
        arbitrary_types_allowed=True,
        hide_input_in_errors=True,
        protected_namespaces=(),
        extra="forbid",
        validate_assignment=True,
    )

    _client: RoutedClient | None = PrivateAttr(default=None)

    # -- validation ------------------------------------------------------------------------
    @model_validator(mode="before")
    @classmethod
    def _arguments(cls, data: Any) -> Any:
        """``model=`` at construction is the usual mistake of a ``ChatOpenAI`` user: say what
        to give. ``router=`` is the scorer's deprecated name."""
        if not isinstance(data, Mapping):
            return data
        for name in ("model", "model_name"):
            if name in data:
                raise ConfigurationError(
                    name, "a routed model has several: give strong= and weak=, or models=[...] (litellm model strings)"
                )
        if "router" in data:
            data = dict(data)
            data["scorer"] = scorer_argument(data.get("scorer", DEFAULT_SCORER), data.pop("router"))
        return data

    @field_validator("threshold", "strong_share")
    @classmethod
    def _in_unit_interval(cls, value: float | None, info: ValidationInfo) -> float | None:
        return None if value is None else check_fraction(str(info.field_name), value)

    @field_validator("mode", mode="before")
    @classmethod
    def _known_mode(cls, value: Any) -> Any:
        """The configuration's rule and message, not pydantic's literal check."""
        check_mode(value)
        return value

    @field_validator("model_kwargs", "strong_kwargs", "weak_kwargs")
    @classmethod
    def _litellm_arguments(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        """Secret-named values held as ``SecretStr``; a routing option among them refused,
        named with this field (by the configuration's own check)."""
        check_litellm_kwargs(value, str(info.field_name), construction=True)
        return conceal(value)

    @field_validator("models")
    @classmethod
    def _candidates(cls, value: list[str | dict[str, Any]] | None) -> list[str | dict[str, Any]] | None:
        return None if value is None else [conceal(item) if isinstance(item, Mapping) else item for item in value]

    def _resolve_model_profile(self) -> ModelProfile:
        """An empty profile: two models have no single one, and ``None`` would make
        langchain_core's profile validator assign ``profile`` again on every validation, which
        with ``validate_assignment`` recursed to the interpreter's limit on each field
        assignment (about 250 nested validations, swallowed by that validator)."""
        return ModelProfile()

    @model_validator(mode="after")
    def _build_client(self) -> RoutedChatModel:
        """Build the client now, so a bad model string, router or view fails at construction
        (or assignment) with an error naming the field, not at the first call."""
        self._client_now()
        return self

    @field_serializer("policies")
    def _serialize_policies(self, policies: list[RoutingPolicy]) -> list[str]:
        """Policies hold live state (windows, spend); they dump as their names."""
        return [policy.name for policy in policies]

    @field_serializer("scorer", "verifier")
    def _serialize_by_name(self, spec: str | RouterScorer | BaseVerifier | None) -> str | None:
        """A scorer or verifier instance dumps as its name, so ``model_dump_json`` works with any."""
        return spec if spec is None or isinstance(spec, str) else spec.name

    # -- identity ------------------------------------------------------------------------
    @property
    def _llm_type(self) -> str:
        return "routed-llm"

    @property
    def client(self) -> RoutedClient:
        """The routing client for the current fields; its :meth:`~routed_llm.RoutedClient.usage`
        reports calls and cost (since a field other than the cut-off last changed)."""
        return self._client_now()

    def to_config(self) -> RoutingConfig:
        """The routing configuration these fields describe (the client is built from it)."""
        return adapter_config(self, self.model_kwargs, self.models)

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "strong": self.strong,
            "weak": self.weak,
            "models": self._model_names(),
            "cost_weight": self.cost_weight if self.models is not None else None,
            "scorer": self._serialize_by_name(self.scorer),
            "threshold": self.threshold,
            "strong_share": self.strong_share,
            "prompt_view": self.prompt_view,
            "mode": self.mode,
            "checker": self.checker,
            "verifier": self._serialize_by_name(self.verifier),
            "sticky": self.sticky,
            "fallback": self.fallback,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "stop": self.stop,
        }

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        """A pinned model when the call names one; otherwise every model that may answer
        (the decision is made inside the run and recorded in the response)."""
        requested = kwargs.get("route_to") or kwargs.get("model")
        if isinstance(requested, str):
            model = {"strong": self.strong, "weak": self.weak}.get(requested) or requested
            provider = _provider_of(model)
        else:
            model, provider = "|".join(self._model_names()), "routed_llm"
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

    def get_num_tokens_from_messages(self, messages: list[BaseMessage], tools: Sequence[Any] | None = None) -> int:
        """Tokens of ``messages`` (and ``tools``): the most that any of the models counts, by
        litellm's tokenizer for each (no download, so it works offline).

        Counting never routes: ``trim_messages`` counts many partial histories, and routing
        them would cost a scoring each and feed policies (an online threshold's window, a
        budget's estimate) traffic that was never sent. The largest count fits whichever
        model answers."""
        import litellm

        chat = _convert_messages(messages)
        openai_tools = [convert_to_openai_tool(tool) for tool in tools] if tools else None
        return max(int(litellm.token_counter(model=model, messages=chat, tools=openai_tools))
                   for model in dict.fromkeys(self._model_names()))

    def get_num_tokens(self, text: str) -> int:
        return self.get_num_tokens_from_messages([HumanMessage(text)])

    # -- routing -----------------------------------------------------------------------------
    def _client_now(self) -> RoutedClient:
        """The client for the fields as they are now: the same one while they are unchanged,
        one sharing its usage and policies' state when only the cut-off changed
        (:meth:`~routed_llm.RoutedClient.reconfigured`)."""
        config = self.to_config()
        self._client = RoutedClient.from_config(config) if self._client is None else self._client.reconfigured(config)
        return self._client

    def _model_names(self) -> list[str]:
        if self.models is None:
            return [model for model in (self.strong, self.weak) if model]
        return [item if isinstance(item, str) else str(item.get("model")) for item in self.models]

    def _request(self, messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> tuple[RoutedClient, list[dict[str, Any]]]:
        """The client and the chat for one call; ``kwargs`` become the client's: ``model=``
        (LangChain's name for ``route_to=``) pins, and a history ending in a tool result
        carries its turns for the sticky rule."""
        model = kwargs.pop("model", None)
        if model is not None and kwargs.get("route_to") is None:
            kwargs["route_to"] = model
        if self.sticky and messages and isinstance(messages[-1], ToolMessage):
            kwargs["sticky"] = _turns(messages)
        return self._client_now(), _convert_messages(messages)

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
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        client, chat = self._request(messages, kwargs)
        with provider_errors():
            reply = client.complete(chat, **self._call_params(stop, kwargs))
        return _convert_response_to_result(reply)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        client, chat = self._request(messages, kwargs)
        with provider_errors():
            reply = await client.acomplete(chat, **self._call_params(stop, kwargs))
        return _convert_response_to_result(reply)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        client, chat = self._request(messages, kwargs)
        tally = _StreamTally()
        with provider_errors():
            stream = client.stream(chat, **self._call_params(stop, kwargs, stream=True))
            for raw in stream:
                yield from tally.chunks(raw)
        yield tally.final(stream.decision)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        client, chat = self._request(messages, kwargs)
        tally = _StreamTally()
        with provider_errors():
            stream = await client.astream(chat, **self._call_params(stop, kwargs, stream=True))
            async for raw in stream:
                for chunk in tally.chunks(raw):
                    yield chunk
        yield tally.final(stream.decision)

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
            kwargs["tool_choice"] = normalise_tool_choice(tool_choice, [tool["function"]["name"] for tool in formatted])
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

