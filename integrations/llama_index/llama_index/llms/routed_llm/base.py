"""RoutedLLM: a LlamaIndex ``FunctionCallingLLM`` whose every call is routed by routed-llm.

The class translates (LlamaIndex messages, tools and streams to and from litellm's
format) and maps its fields onto a :class:`routed_llm.RoutingConfig`; the client routes
and calls, once per LlamaIndex call. What both adapters share (the fields' mapping, the
question to score, secrets, provider errors) comes from :mod:`routed_llm.frameworks`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
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
    ToolCallBlock,
)
from llama_index.core.bridge.pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationInfo,
    field_serializer,
    field_validator,
)
from llama_index.core.constants import DEFAULT_CONTEXT_WINDOW, DEFAULT_NUM_OUTPUTS
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.prompts import BasePromptTemplate
from llama_index.core.tools.types import BaseTool
from llama_index.core.types import TokenAsyncGen, TokenGen
from llama_index.llms.routed_llm.utils import (
    StreamState,
    from_litellm_message,
    to_openai_messages,
    tool_selections,
)

from routed_llm.client import RoutedClient, RoutedResponse
from routed_llm.config import (
    DEFAULT_CASCADE_BAND,
    DEFAULT_SCORER,
    Mode,
    RoutingConfig,
    check_litellm_kwargs,
    check_mode,
    scorer_argument,
)
from routed_llm.cutoff import check_cut_off, check_fraction
from routed_llm.decision import RoutingDecision
from routed_llm.errors import ConfigurationError
from routed_llm.frameworks import (
    ROUTING_KEY,
    adapter_config,
    conceal,
    normalise_tool_choice,
    provider_errors,
    question_of,
    token_usage,
    without_secrets,
)
from routed_llm.pricing import ModelPrice
from routed_llm.prompts import DEFAULT_MAX_PROMPT_CHARS, PromptView, routing_text
from routed_llm.routing.policy import RoutingPolicy
from routed_llm.routing.sticky import Turn
from routed_llm.scorers.base import RouterScorer
from routed_llm.verifiers.base import BaseVerifier

__all__ = ["RoutedLLM"]

_TOKEN_COUNTS = ("prompt_tokens", "completion_tokens", "total_tokens")
"""The counts LlamaIndex's token-counting handlers read from ``additional_kwargs``."""


class RoutedLLM(FunctionCallingLLM):
    """A LlamaIndex LLM that sends each request to a strong or a weak model.

    A router scorer estimates how much the request needs the strong model; the threshold
    turns that into a choice and litellm calls the chosen model. Every response carries
    the decision in ``additional_kwargs["routing"]`` and ``raw["routing"]``.

    Example::

        from llama_index.core import Settings, VectorStoreIndex
        from llama_index.llms.routed_llm import RoutedLLM

        Settings.llm = RoutedLLM(strong="openai/gpt-4o", weak="openai/gpt-4o-mini", strong_share=0.3)
        engine = VectorStoreIndex.from_documents(documents).as_query_engine()
        answer = engine.query("What changed in the 2024 release?")   # the question is scored
        Settings.llm.chat([ChatMessage(role="user", content="hi")], threshold=0.9)  # per call
        Settings.llm.threshold = 0.7                                  # read at the next call

        # Cascade: the weak model answers, kept when a second cheap model agrees, else escalated
        llm = RoutedLLM(strong="openai/gpt-4o", weak="openai/gpt-4o-mini", mode="cascade",
                        checker="groq/llama-3.1-8b-instant")
        llm.chat(messages).additional_kwargs["routing"]["extra"]["cascade"]  # escalated?, verifier, calls

    Keyword arguments a call accepts besides litellm's: ``threshold`` or ``strong_share``
    (override the cut-off for this call), ``route_to`` (``"strong"``/``"weak"`` or a
    model, pin the model) and ``mode`` (``"route"``, ``"cascade"`` or ``"hybrid"`` for this
    call). Fields are read at call time. API keys are held as
    ``SecretStr`` and left out of ``to_dict``/``to_json``.

    ``predict``/``apredict``/``stream``/``astream`` (what query engines call) score the
    template's question variable (``query_str``, ``question``, ``query`` or ``input``)
    when it has one, not the prompt filled with retrieved context.
    """

    strong: str | None = Field(default=None, description="litellm model string of the strong (expensive) model.")
    weak: str | None = Field(default=None, description="litellm model string of the weak (cheap) model.")
    candidates: list[str | dict[str, Any]] | None = Field(
        default=None, description="N candidates (given as models=) instead of strong and weak."
    )
    cost_weight: float = Field(default=0.0, description="With N candidates: quality given up to save one USD a request.")
    scorer: str | RouterScorer | None = Field(
        default=DEFAULT_SCORER,
        description="Registered scorer name, saved router directory or scorer instance; 'default' is the shipped one.",
    )
    threshold: float | None = Field(
        default=None, description="Score (0..1) at or above which the strong model answers (0.5 when unset)."
    )
    strong_share: float | None = Field(
        default=None, description="Target share (0..1) of strong calls, turned into a threshold by the router."
    )
    prompt_view: PromptView = Field(default="last_user", description="Which turns of a conversation the router scores.")
    max_prompt_chars: int | None = Field(
        default=DEFAULT_MAX_PROMPT_CHARS, description="Longest text the router scores; longer prompts keep head and tail."
    )
    mode: Mode = Field(
        default="route",
        description="How a call is answered: 'route' (the scorer picks the model before any call), 'cascade' (the weak "
        "model answers; a verifier keeps that answer or escalates to the strong model) or 'hybrid' (clear cases "
        "routed, the uncertain band cascaded). A cascaded response's routing has policy 'cascade', the verdict in "
        "extra['cascade'].",
    )
    checker: str | None = Field(
        default=None,
        description="Cascade: litellm model string of a second cheap model answering beside the weak one; with no "
        "verifier named, the weak answer stands when the two agree.",
    )
    verifier: str | BaseVerifier | None = Field(
        default=None,
        description="Cascade: what judges the weak answer: a verifier name ('agreement', 'logprob', 'self_check', "
        "'learned'), a saved verifier directory or an instance; None compares with the checker's answer.",
    )
    weak_samples: int = Field(
        default=0,
        description="Cascade: further answers of the weak model, sampled in parallel, that the agreement verifier "
        "compares the cheap answer with (beside a checker's, or instead of one).",
    )
    cascade_band: tuple[float, float] = Field(
        default=DEFAULT_CASCADE_BAND,
        description="mode='hybrid': (low, high) shares of typical traffic ordered by the scorer's score; below low "
        "straight to the weak model, above high straight to the strong one, the band between cascaded.",
    )
    fallback: bool = Field(default=False, description="On a provider failure, retry once with the other model.")
    sticky: bool = Field(
        default=True,
        description="Answer tool results with the model that asked for the tools (policy 'sticky').",
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
    api_key: SecretStr | None = Field(default=None, exclude=True, description="API key for both models.")
    api_base: str | None = Field(default=None, description="Endpoint for both models (an OpenAI-compatible server).")
    timeout: float | None = Field(default=None, gt=0, description="Seconds before a provider call is abandoned.")
    max_retries: int | None = Field(
        default=None, ge=0, description="Retries per model before giving up (litellm's num_retries)."
    )
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Extra litellm arguments for both models (secret-named entries not shown)."
    )
    strong_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="litellm arguments for the strong model only (secret-named entries not shown)."
    )
    weak_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="litellm arguments for the weak model only (secret-named entries not shown)."
    )
    prices: dict[str, ModelPrice] | None = Field(
        default=None, exclude=True, description="USD per token, by model, for models litellm's price map lacks."
    )
    policies: list[RoutingPolicy] = Field(
        default_factory=list, exclude=True, description="Policies acting on every call (routed_llm.routing)."
    )

    # ``Settings.llm.threshold = 2`` fails where it is written, not at the next call.
    model_config = ConfigDict(validate_assignment=True)

    _client: RoutedClient | None = PrivateAttr(default=None)
    _limits: tuple[tuple[str, ...], tuple[int, int, bool]] | None = PrivateAttr(default=None)

    def __init__(
        self,
        strong: str | None = None,
        weak: str | None = None,
        scorer: str | RouterScorer | None = DEFAULT_SCORER,
        threshold: float | None = None,
        *,
        strong_share: float | None = None,
        prompt_view: PromptView = "last_user",
        max_prompt_chars: int | None = DEFAULT_MAX_PROMPT_CHARS,
        fallback: bool = False,
        mode: Mode = "route",
        checker: str | None = None,
        verifier: str | BaseVerifier | None = None,
        cascade_band: tuple[float, float] = DEFAULT_CASCADE_BAND,
        weak_samples: int = 0,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        additional_kwargs: Mapping[str, Any] | None = None,
        strong_kwargs: Mapping[str, Any] | None = None,
        weak_kwargs: Mapping[str, Any] | None = None,
        prices: Mapping[str, ModelPrice] | None = None,
        policies: Sequence[RoutingPolicy] = (),
        client: RoutedClient | None = None,
        models: Sequence[str | Mapping[str, Any]] | None = None,
        cost_weight: float = 0.0,
        router: str | RouterScorer | None = None,
        **kwargs: Any,
    ) -> None:
        """Take the settings (a :class:`routed_llm.RoutingConfig`'s, mapped by :meth:`to_config`),
        or wrap ``client`` (its configuration becomes the fields; its usage ledger is shared).

        ``prices`` (USD per token, by model) price models litellm's cost map lacks;
        ``policies`` (:mod:`routed_llm.routing`: online calibration, an out-of-distribution
        guard, a spend budget, a concurrency cap, a latency target) act on every call.
        ``mode``, ``checker``, ``verifier``, ``weak_samples`` and ``cascade_band`` set up a cascade (the fields'
        descriptions).
        ``models`` (with ``cost_weight``) routes among N candidates instead of a strong/weak
        pair, as :class:`routed_llm.RoutedClient` does; ``route_to`` then also takes a
        candidate's model or name. ``num_retries`` (litellm's name) is accepted for
        ``max_retries``; ``router`` is the deprecated name of ``scorer``. Any other unknown
        argument is a :class:`ConfigurationError`.
        """
        scorer = scorer_argument(scorer, router)
        num_retries = kwargs.pop("num_retries", None)  # litellm's name for max_retries
        max_retries = num_retries if max_retries is None else max_retries
        candidates = kwargs.pop("candidates", None)  # what ``to_dict`` calls models
        models = candidates if models is None else models
        _check_arguments(kwargs, additional_kwargs, strong_kwargs, weak_kwargs)
        check_cut_off(threshold, strong_share)  # typed errors here, not pydantic's wrapper of them
        check_mode(mode)
        if client is not None:
            given = [strong, weak, threshold, strong_share, models, api_key, api_base, timeout, max_retries, checker,
                     verifier]
            if any(value is not None for value in given) or scorer != DEFAULT_SCORER or mode != "route" or (
                fallback or additional_kwargs or strong_kwargs or weak_kwargs or prices or policies
                or tuple(cascade_band) != DEFAULT_CASCADE_BAND or weak_samples
            ):
                raise ConfigurationError(
                    "client", "a client carries its own models, scorer, threshold, mode and litellm arguments; "
                    "give it or them"
                )
            config = client.config
            strong, weak, models, scorer = config.strong, config.weak, config.models, config.scorer
            threshold, strong_share, cost_weight = config.threshold, config.strong_share, config.cost_weight
            prompt_view, max_prompt_chars, fallback = config.prompt_view, config.max_prompt_chars, config.fallback
            prices, policies = config.prices, config.policies
            mode, checker, verifier, cascade_band = config.mode, config.checker, config.verifier, config.cascade_band
            weak_samples = config.weak_samples
            additional_kwargs, strong_kwargs, weak_kwargs = config.litellm_kwargs, config.strong_kwargs, config.weak_kwargs
        elif models is None and (strong is None or weak is None):
            raise ConfigurationError("strong" if strong is None else "weak", "is required (or pass models= or client=)")
        super().__init__(
            strong=strong,
            weak=weak,
            candidates=None if models is None else [conceal(m) if isinstance(m, Mapping) else m for m in models],
            cost_weight=cost_weight,
            scorer=scorer,
            threshold=threshold,
            strong_share=strong_share,
            prompt_view=prompt_view,
            max_prompt_chars=max_prompt_chars,
            fallback=fallback,
            mode=mode,
            checker=checker,
            verifier=verifier,
            cascade_band=cascade_band,
            weak_samples=weak_samples,
            api_key=SecretStr(api_key) if api_key is not None else None,
            api_base=api_base,
            timeout=timeout,
            max_retries=max_retries,
            additional_kwargs=conceal(additional_kwargs or {}),
            strong_kwargs=conceal(strong_kwargs or {}),
            weak_kwargs=conceal(weak_kwargs or {}),
            prices=dict(prices) if prices else None,
            policies=list(policies),
            **kwargs,
        )
        self._client = client
        self._client_now()  # a bad model, scorer or view fails here, naming its field

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

    @field_serializer("additional_kwargs", "strong_kwargs", "weak_kwargs")
    def _serialize_kwargs(self, values: dict[str, Any]) -> dict[str, Any]:
        return without_secrets(values)

    @field_serializer("candidates")
    def _serialize_candidates(self, values: list[str | dict[str, Any]] | None) -> list[str | dict[str, Any]] | None:
        return None if values is None else [without_secrets(v) if isinstance(v, Mapping) else v for v in values]

    @field_serializer("scorer", "verifier")
    def _serialize_by_name(self, spec: str | RouterScorer | BaseVerifier | None) -> str | None:
        """A scorer or verifier instance serialises as its name."""
        return spec if spec is None or isinstance(spec, str) else spec.name

    @property
    def models(self) -> list[str]:
        """The N candidates' litellm model strings, or the strong and the weak model."""
        if self.candidates is None:
            return [model for model in (self.strong, self.weak) if model]
        return [item if isinstance(item, str) else str(item.get("model")) for item in self.candidates]

    @classmethod
    def class_name(cls) -> str:
        return "RoutedLLM"

    @property
    def client(self) -> RoutedClient:
        """The core client for the current fields: ``llm.client.usage()`` reports calls and
        spend per model (since the fields it is built from last changed)."""
        return self._client_now()

    @property
    def metadata(self) -> LLMMetadata:
        """Limits of the smallest model, since any candidate (and a cascade's checker) may have to take the prompt."""
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
            "scorer": self._serialize_by_name(self.scorer),
            "threshold": self.threshold,
            "strong_share": self.strong_share,
            "mode": self.mode,
            "checker": self.checker,
            "verifier": self._serialize_by_name(self.verifier),
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
            if chat_kwargs.get("tool_choice") is not None:
                chat_kwargs["tool_choice"] = normalise_tool_choice(chat_kwargs["tool_choice"])
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

    # -- templates: score the question, not the filled-in prompt ---------------------------
    def predict(self, prompt: BasePromptTemplate, **prompt_args: Any) -> str:
        with _question_scored(prompt, prompt_args):
            return super().predict(prompt, **prompt_args)

    async def apredict(self, prompt: BasePromptTemplate, **prompt_args: Any) -> str:
        with _question_scored(prompt, prompt_args):
            return await super().apredict(prompt, **prompt_args)

    def stream(self, prompt: BasePromptTemplate, **prompt_args: Any) -> TokenGen:
        with _question_scored(prompt, prompt_args):  # the stream is routed before it is returned
            return super().stream(prompt, **prompt_args)

    async def astream(self, prompt: BasePromptTemplate, **prompt_args: Any) -> TokenAsyncGen:
        with _question_scored(prompt, prompt_args):
            return await super().astream(prompt, **prompt_args)

    # -- the calls ----------------------------------------------------------------------
    def _chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        client, chat, call_kwargs = self._request(messages, kwargs)
        with provider_errors():
            return _chat_response(client.complete(chat, **call_kwargs))

    async def _achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        client, chat, call_kwargs = self._request(messages, kwargs)
        with provider_errors():
            return _chat_response(await client.acomplete(chat, **call_kwargs))

    def _stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        client, chat, call_kwargs = self._request(messages, kwargs)
        with provider_errors():
            stream = client.stream(chat, **call_kwargs)

        def gen() -> ChatResponseGen:
            state = StreamState()
            last: Any = None
            with provider_errors():
                for chunk in stream:
                    last = chunk
                    delta = state.update(chunk)
                    if delta is not None:
                        yield _stream_response(state, delta, chunk, stream.decision)
            yield _stream_response(state, "", last, stream.decision)

        return gen()

    async def _astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        client, chat, call_kwargs = self._request(messages, kwargs)
        with provider_errors():
            stream = await client.astream(chat, **call_kwargs)

        async def gen() -> ChatResponseAsyncGen:
            state = StreamState()
            last: Any = None
            with provider_errors():
                async for chunk in stream:
                    last = chunk
                    delta = state.update(chunk)
                    if delta is not None:
                        yield _stream_response(state, delta, chunk, stream.decision)
            yield _stream_response(state, "", last, stream.decision)

        return gen()

    def _request(
        self, messages: Sequence[ChatMessage], kwargs: Mapping[str, Any]
    ) -> tuple[RoutedClient, list[dict[str, Any]], dict[str, Any]]:
        """The client, the chat and the client's arguments for one call: the sampling fields,
        the call's own arguments, and for a history ending in a tool result its turns, for
        the sticky rule."""
        call_kwargs: dict[str, Any] = {}
        if self.temperature is not None:
            call_kwargs["temperature"] = self.temperature
        if self.max_tokens is not None:
            call_kwargs["max_tokens"] = self.max_tokens
        call_kwargs.update(kwargs)
        if self.sticky and messages and messages[-1].role == MessageRole.TOOL:
            call_kwargs["sticky"] = _turns(messages)
        return self._client_now(), to_openai_messages(messages), call_kwargs

    def to_config(self) -> RoutingConfig:
        """The routing configuration these fields describe (the client is built from it)."""
        return adapter_config(self, self.additional_kwargs, self.candidates)

    def _client_now(self) -> RoutedClient:
        """The client for the fields as they are now: the same one while they are unchanged
        (a wrapped client too), one sharing its usage and policies' state when only the
        cut-off changed (:meth:`~routed_llm.RoutedClient.reconfigured`)."""
        config = self.to_config()
        self._client = RoutedClient.from_config(config) if self._client is None else self._client.reconfigured(config)
        return self._client

    def _model_limits(self) -> tuple[int, int, bool]:
        """Context window, output limit and tool support of the smallest model, the checker included,
        looked up once per set of models."""
        models = (*self.models, *([self.checker] if self.checker else []))
        if self._limits is None or self._limits[0] != models:
            infos = [_model_info(model) for model in models]
            contexts = [_context_of(info) for info in infos]
            outputs = [_output_of(info, context) for info, context in zip(infos, contexts, strict=True)]
            tools = all(info.get("supports_function_calling") is not False for info in infos)
            self._limits = (models, (min(contexts), min(outputs), tools))
        return self._limits[1]


def _check_arguments(kwargs: Mapping[str, Any], *litellm_kwargs: Mapping[str, Any] | None) -> None:
    """Misspelt arguments (``temprature=``) fail instead of being dropped; a routing option
    among litellm's arguments is refused naming the field it was given in."""
    known = {name for name, info in RoutedLLM.model_fields.items() for name in (name, info.alias) if name}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise ConfigurationError(unknown[0], "unknown argument; pass extra litellm arguments in additional_kwargs")
    for name, values in zip(("additional_kwargs", "strong_kwargs", "weak_kwargs"), litellm_kwargs, strict=True):
        check_litellm_kwargs(values or {}, name, construction=True)


def _question_scored(prompt: BasePromptTemplate, prompt_args: Mapping[str, Any]) -> AbstractContextManager[None]:
    """Score the question when the template has one, given with the call or bound by
    ``partial_format`` (as LlamaIndex's response synthesizers bind ``query_str``)."""
    question = question_of({**prompt.kwargs, **prompt_args})
    return nullcontext() if question is None else routing_text(question)


def _turns(messages: Sequence[ChatMessage]) -> list[Turn]:
    """What the sticky rule reads of each message (see :mod:`routed_llm.routing.sticky`)."""
    turns = []
    for message in messages:
        if message.role == MessageRole.TOOL:
            call_id = message.additional_kwargs.get("tool_call_id")
            turns.append(Turn("tool", (call_id,) if isinstance(call_id, str) else ()))
        elif message.role == MessageRole.ASSISTANT:
            ids = [_call_id(call) for call in message.additional_kwargs.get("tool_calls") or []]
            ids += [block.tool_call_id for block in message.blocks if isinstance(block, ToolCallBlock)]
            routing = message.additional_kwargs.get(ROUTING_KEY)
            turns.append(Turn("assistant", tuple(i for i in ids if i), routing if isinstance(routing, Mapping) else None))
        else:
            turns.append(Turn(message.role.value))
    return turns


def _call_id(call: Any) -> str | None:
    value = call.get("id") if isinstance(call, Mapping) else getattr(call, "id", None)
    return value if isinstance(value, str) else None


def _chat_response(reply: RoutedResponse) -> ChatResponse:
    routing = reply.decision.to_dict()
    raw = reply.response.model_dump()
    raw[ROUTING_KEY] = routing
    return ChatResponse(
        message=from_litellm_message(reply.message, routing),
        raw=raw,
        additional_kwargs={ROUTING_KEY: routing, **_token_counts(getattr(reply.response, "usage", None))},
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
        additional_kwargs={ROUTING_KEY: routing, **_token_counts(state.usage)},
    )


def _token_counts(usage: Any) -> dict[str, int]:
    return {key: value for key, value in token_usage(usage).items() if key in _TOKEN_COUNTS}


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
