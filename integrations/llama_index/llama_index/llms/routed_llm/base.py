"""RoutedLLM: a LlamaIndex ``FunctionCallingLLM`` whose every call is routed by routed-llm.

The class translates (LlamaIndex messages, tools and streams to and from litellm's
format) and delegates each decision to :class:`routed_llm.RoutedClient`, so a query
engine or an agent routes exactly as the core client does, with no logic of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from llama_index.core.base.llms.generic_utils import (
    achat_to_completion_decorator,
    astream_chat_to_completion_decorator,
    chat_to_completion_decorator,
    stream_chat_to_completion_decorator,
)
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.constants import DEFAULT_CONTEXT_WINDOW, DEFAULT_NUM_OUTPUTS
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.tools.types import BaseTool
from llama_index.llms.routed_llm.utils import (
    ROUTING_KEY,
    StreamState,
    from_litellm_message,
    pinned_role,
    resolve_tool_choice,
    to_openai_messages,
    token_counts,
    tool_selections,
)

from routed_llm.client import RoutedClient, RoutedResponse
from routed_llm.decision import RoutingDecision
from routed_llm.errors import ConfigurationError
from routed_llm.pricing import ModelPrice
from routed_llm.prompts import DEFAULT_MAX_PROMPT_CHARS, PromptView
from routed_llm.routing.policy import RoutingPolicy
from routed_llm.scorers.base import RouterScorer
from routed_llm.secrets import is_secret_key

__all__ = ["RoutedLLM"]

_ROUTING_OPTIONS = ("threshold", "strong_share", "route_to")
"""Call keyword arguments that steer the router instead of going to litellm."""


class RoutedLLM(FunctionCallingLLM):
    """A LlamaIndex LLM that sends each request to a strong or a weak model.

    A router scorer estimates how much the request needs the strong model; the threshold
    turns that into a choice and litellm calls the chosen model. Every response carries
    the decision in ``additional_kwargs["routing"]`` and ``raw["routing"]``.

    Example::

        from llama_index.core import Settings, VectorStoreIndex
        from llama_index.llms.routed_llm import RoutedLLM

        Settings.llm = RoutedLLM(strong="openai/gpt-4o", weak="openai/gpt-4o-mini", threshold=0.5)
        engine = VectorStoreIndex.from_documents(documents).as_query_engine()
        answer = engine.query("What changed in the 2024 release?")
        Settings.llm.chat([ChatMessage(role="user", content="hi")], threshold=0.9)  # per call

    Keyword arguments a call accepts besides litellm's: ``threshold`` or ``strong_share``
    (override the cut-off for this call) and ``route_to`` (``"strong"``/``"weak"``, pin the
    model). API keys go to litellm only: they are never stored on a field, so they stay
    out of ``repr``, ``to_dict`` and metadata.
    """

    strong: str = Field(description="litellm model string of the strong (expensive) model.")
    weak: str = Field(description="litellm model string of the weak (cheap) model.")
    router: str | None = Field(
        default=None,
        description="Registered router name or saved router directory; None uses the shipped default. "
        "When a scorer instance was given, its name.",
    )
    threshold: float | None = Field(
        default=None, description="Score at or above which the strong model answers (0.5 when unset)."
    )
    strong_share: float | None = Field(
        default=None, description="Target share of strong calls, turned into a threshold by the router's calibration."
    )
    prompt_view: PromptView = Field(default="last_user", description="Which turns of a conversation the router scores.")
    max_prompt_chars: int | None = Field(
        default=DEFAULT_MAX_PROMPT_CHARS, description="Longest text the router scores; longer prompts keep head and tail."
    )
    fallback: bool = Field(default=False, description="On a provider failure, retry once with the other model.")
    sticky: bool = Field(
        default=True,
        description="Answer tool results with the model that asked for the tools, so an agent run keeps one model.",
    )
    temperature: float | None = Field(default=None, description="Sampling temperature; None leaves the provider's default.")
    max_tokens: int | None = Field(default=None, gt=0, description="Longest answer, in tokens; None leaves it unset.")
    context_window: int | None = Field(
        default=None, gt=0, description="Context window to report; None reads the smaller model's from litellm."
    )
    function_calling: bool | None = Field(
        default=None,
        description="Whether both models call tools; None asks litellm and assumes yes for models it does not know.",
    )
    api_base: str | None = Field(default=None, description="Endpoint for both models (an OpenAI-compatible server).")
    timeout: float | None = Field(default=None, gt=0, description="Seconds before a provider call is abandoned.")
    num_retries: int | None = Field(default=None, ge=0, description="litellm's retries per model before giving up.")
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Extra litellm arguments for both models (secret-named entries not shown)."
    )
    strong_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="litellm arguments for the strong model only (secret-named entries not shown)."
    )
    weak_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="litellm arguments for the weak model only (secret-named entries not shown)."
    )

    _client: RoutedClient = PrivateAttr()
    _limits: tuple[int, int, bool] | None = PrivateAttr(default=None)

    def __init__(
        self,
        strong: str | None = None,
        weak: str | None = None,
        router: str | RouterScorer | None = None,
        threshold: float | None = None,
        *,
        strong_share: float | None = None,
        prompt_view: PromptView = "last_user",
        max_prompt_chars: int | None = DEFAULT_MAX_PROMPT_CHARS,
        fallback: bool = False,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        num_retries: int | None = None,
        additional_kwargs: Mapping[str, Any] | None = None,
        strong_kwargs: Mapping[str, Any] | None = None,
        weak_kwargs: Mapping[str, Any] | None = None,
        prices: Mapping[str, ModelPrice] | None = None,
        policies: Sequence[RoutingPolicy] = (),
        client: RoutedClient | None = None,
        models: Sequence[str | Mapping[str, Any]] | None = None,
        cost_weight: float = 0.0,
        **kwargs: Any,
    ) -> None:
        """Build the client from the arguments, or wrap ``client`` (sharing its usage ledger).

        ``prices`` (USD per token, by model) price models litellm's cost map lacks;
        ``policies`` (:mod:`routed_llm.routing`: online calibration, an out-of-distribution
        guard, a spend budget, a concurrency cap, a latency target) act on every call.
        ``models`` (with ``cost_weight``) routes among N candidates instead of a strong/weak
        pair, as :class:`routed_llm.RoutedClient` does; ``route_to`` then also takes a
        candidate's model or name.
        """
        litellm_kwargs = {
            key: value
            for key, value in {"api_key": api_key, "api_base": api_base, "timeout": timeout,
                               "num_retries": num_retries}.items()
            if value is not None
        }
        litellm_kwargs.update(additional_kwargs or {})
        if client is None and models is not None:
            client = RoutedClient(
                strong, weak, router, threshold,
                strong_share=strong_share, prompt_view=prompt_view, max_prompt_chars=max_prompt_chars,
                fallback=fallback, prices=prices, policies=policies, models=models, cost_weight=cost_weight,
                **litellm_kwargs,
            )
        elif client is None:
            if strong is None or weak is None:
                raise ConfigurationError("strong" if strong is None else "weak", "is required (or pass client=)")
            client = RoutedClient(
                strong, weak, router, threshold,
                strong_share=strong_share, prompt_view=prompt_view, max_prompt_chars=max_prompt_chars,
                strong_kwargs=strong_kwargs, weak_kwargs=weak_kwargs, fallback=fallback, prices=prices,
                policies=policies, **litellm_kwargs,
            )
        elif any(value is not None for value in (strong, weak, router, threshold, strong_share, models)) or (
            fallback or litellm_kwargs or strong_kwargs or weak_kwargs or prices or policies
        ):
            raise ConfigurationError(
                "client", "a client carries its own models, router, threshold and litellm arguments; give it or them"
            )
        super().__init__(
            strong=client.strong,
            weak=client.weak,
            router=router if isinstance(router, str) else client.scorer.name,
            threshold=threshold if threshold is not None or strong_share is not None else client.threshold,
            strong_share=strong_share,
            prompt_view=client.prompt_view,
            max_prompt_chars=client.max_prompt_chars,
            fallback=client.fallback,
            api_base=api_base,
            timeout=timeout,
            num_retries=num_retries,
            additional_kwargs=_public(additional_kwargs or {}),
            strong_kwargs=_public(strong_kwargs or {}),
            weak_kwargs=_public(weak_kwargs or {}),
            **kwargs,
        )
        self._client = client

    @property
    def models(self) -> list[str]:
        """The N candidates' litellm model strings, or the strong and the weak model."""
        fleet = self._client.fleet
        return list(fleet.models) if fleet is not None else [self.strong, self.weak]

    @classmethod
    def class_name(cls) -> str:
        return "RoutedLLM"

    @property
    def client(self) -> RoutedClient:
        """The core client: ``llm.client.usage()`` reports calls and spend per model."""
        return self._client

    @property
    def metadata(self) -> LLMMetadata:
        """Limits of the smallest model, since any candidate may have to take the prompt."""
        context, output, tools = self._model_limits()
        return LLMMetadata(
            context_window=self.context_window or context,
            num_output=self.max_tokens or output,
            is_chat_model=True,
            is_function_calling_model=tools if self.function_calling is None else self.function_calling,
            model_name=f"routed({' | '.join(self.models)})",
        )

    def to_payload(self) -> dict[str, Any]:
        """Observability payload: the models and the routing set-up, never a credential."""
        return {
            **super().to_payload(),
            "strong": self.strong,
            "weak": self.weak,
            "router": self.router,
            "threshold": self._client.threshold,
        }

    def convert_chat_messages(self, messages: Sequence[ChatMessage]) -> list[Any]:
        return to_openai_messages(messages)

    # -- chat -------------------------------------------------------------------------
    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return self._chat(messages, **kwargs)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return await self._achat(messages, **kwargs)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        return self._stream_chat(messages, **kwargs)

    @llm_chat_callback()
    async def astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        return await self._astream_chat(messages, **kwargs)

    # -- completion, derived from chat ----------------------------------------------------
    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return chat_to_completion_decorator(self._chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def acomplete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return await achat_to_completion_decorator(self._achat)(prompt, **kwargs)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        return stream_chat_to_completion_decorator(self._stream_chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        return await astream_chat_to_completion_decorator(self._astream_chat)(prompt, **kwargs)

    # -- tools ------------------------------------------------------------------------
    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Chat arguments offering ``tools``.

        ``parallel_tool_calls`` is never sent (several providers reject it); a single call
        is enforced afterwards by :meth:`_validate_chat_with_tools_response` instead.
        """
        messages = list(chat_history or [])
        if isinstance(user_msg, str):
            user_msg = ChatMessage(role=MessageRole.USER, content=user_msg)
        if user_msg is not None:
            messages.append(user_msg)
        chat_kwargs: dict[str, Any] = {"messages": messages, **kwargs}
        if tools:
            chat_kwargs["tools"] = [tool.metadata.to_openai_tool(skip_length_check=True) for tool in tools]
            if "tool_choice" in chat_kwargs:
                chat_kwargs["tool_choice"] = resolve_tool_choice(chat_kwargs["tool_choice"])
            elif tool_required:
                chat_kwargs["tool_choice"] = "required"
        else:
            chat_kwargs.pop("tool_choice", None)
        return chat_kwargs

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        calls = response.message.additional_kwargs.get("tool_calls") or []
        if not allow_parallel_tool_calls and len(calls) > 1:
            response.message.additional_kwargs["tool_calls"] = calls[:1]
        return response

    def get_tool_calls_from_response(
        self, response: ChatResponse, error_on_no_tool_call: bool = True, **kwargs: Any
    ) -> list[ToolSelection]:
        return tool_selections(response.message, error_on_no_tool_call=error_on_no_tool_call)

    # -- the calls ----------------------------------------------------------------------
    def _chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        chat, routing, call_kwargs = self._request(messages, kwargs)
        decision = self._client.route(chat, **routing)
        return _chat_response(self._client.complete_with(decision, chat, **call_kwargs))

    async def _achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        chat, routing, call_kwargs = self._request(messages, kwargs)
        decision = await self._client.aroute(chat, **routing)
        return _chat_response(await self._client.acomplete_with(decision, chat, **call_kwargs))

    def _stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        chat, routing, call_kwargs = self._request(messages, kwargs)
        decision = self._client.route(chat, **routing)
        stream = self._client.stream_with(decision, chat, **call_kwargs)

        def gen() -> ChatResponseGen:
            state = StreamState()
            last: Any = None
            for chunk in stream:
                last = chunk
                delta = state.update(chunk)
                if delta is not None:
                    yield _stream_response(state, delta, chunk, stream.decision)
            yield _stream_response(state, "", last, stream.decision)

        return gen()

    async def _astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        chat, routing, call_kwargs = self._request(messages, kwargs)
        decision = await self._client.aroute(chat, **routing)
        stream = await self._client.astream_with(decision, chat, **call_kwargs)

        async def gen() -> ChatResponseAsyncGen:
            state = StreamState()
            last: Any = None
            async for chunk in stream:
                last = chunk
                delta = state.update(chunk)
                if delta is not None:
                    yield _stream_response(state, delta, chunk, stream.decision)
            yield _stream_response(state, "", last, stream.decision)

        return gen()

    def _request(
        self, messages: Sequence[ChatMessage], kwargs: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
        """Split a call into the chat, the router's options and litellm's arguments."""
        routing = {key: kwargs[key] for key in _ROUTING_OPTIONS if kwargs.get(key) is not None}
        call_kwargs: dict[str, Any] = {}
        if self.temperature is not None:
            call_kwargs["temperature"] = self.temperature
        if self.max_tokens is not None:
            call_kwargs["max_tokens"] = self.max_tokens
        call_kwargs.update((key, value) for key, value in kwargs.items() if key not in _ROUTING_OPTIONS)
        if self.sticky and "route_to" not in routing:
            role = pinned_role(messages, by_model=self._client.fleet is not None)
            if role is not None:
                routing = {"route_to": role}
        return to_openai_messages(messages), routing, call_kwargs

    def _model_limits(self) -> tuple[int, int, bool]:
        """Context window, output limit and tool support of the smaller model, looked up once."""
        if self._limits is None:
            infos = [_model_info(model) for model in self.models]
            contexts = [_context_of(info) for info in infos]
            outputs = [_output_of(info, context) for info, context in zip(infos, contexts, strict=True)]
            tools = all(info.get("supports_function_calling") is not False for info in infos)
            self._limits = (min(contexts), min(outputs), tools)
        return self._limits


def _chat_response(reply: RoutedResponse) -> ChatResponse:
    routing = reply.decision.to_dict()
    raw = reply.response.model_dump()
    raw[ROUTING_KEY] = routing
    return ChatResponse(
        message=from_litellm_message(reply.message, routing),
        raw=raw,
        additional_kwargs={ROUTING_KEY: routing, **token_counts(getattr(reply.response, "usage", None))},
    )


def _stream_response(state: StreamState, delta: str, chunk: Any, decision: RoutingDecision) -> ChatResponse:
    """One step of a stream; the last one carries the settled decision (with cost) and usage."""
    routing = decision.to_dict()
    raw = chunk.model_dump() if chunk is not None else {}
    raw[ROUTING_KEY] = routing
    return ChatResponse(
        message=state.message(routing),
        delta=delta,
        raw=raw,
        additional_kwargs={ROUTING_KEY: routing, **token_counts(state.usage)},
    )


def _public(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without secret-named entries (recursively): what a field may show."""
    return {
        key: _public(value) if isinstance(value, Mapping) else value
        for key, value in values.items()
        if not is_secret_key(key)
    }


def _model_info(model: str) -> Mapping[str, Any]:
    import litellm

    try:
        return litellm.get_model_info(model)
    except Exception:  # litellm raises a bare Exception for a model missing from its map
        return {}


def _context_of(info: Mapping[str, Any]) -> int:
    return int(info.get("max_input_tokens") or info.get("max_tokens") or DEFAULT_CONTEXT_WINDOW)


def _output_of(info: Mapping[str, Any], context: int) -> int:
    """The output limit; one as large as the context is a shared budget, not a reservable length."""
    output = info.get("max_output_tokens") or info.get("max_tokens")
    return int(output) if output and int(output) < context else DEFAULT_NUM_OUTPUTS
