"""RoutedChatModel reads its fields at call time, keeps provider error types, hides echoed
keys from tracers, leaves message ids to LangChain and counts tokens offline."""

from __future__ import annotations

import traceback
from typing import Any

import openai
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage, trim_messages
from langchain_core.tracers.run_collector import RunCollectorCallbackHandler
from langchain_routed_llm import RoutedChatModel

from routed_llm import ProviderError
from routed_llm.testing import FakeProvider, FakeScorer

STRONG, WEAK = "openai/strong-model", "openai/weak-model"
SECRET = "sk-fields-test-0123456789abcdef"


@pytest.fixture
def provider(fake_provider: FakeProvider) -> FakeProvider:
    fake_provider.clear()
    return fake_provider


def make_model(provider: FakeProvider, **fields: Any) -> RoutedChatModel:
    params: dict[str, Any] = {
        "strong": STRONG, "weak": WEAK, "scorer": FakeScorer(default=0.5), "threshold": 0.5,
        "api_base": provider.base_url, "api_key": SECRET, "max_retries": 0,
    }
    return RoutedChatModel(**{**params, **fields})


def answered_by(llm: Any, text: str = "summarise this") -> str:
    return str(llm.invoke(text).response_metadata["model_name"])


# -- fields are read at call time (issue 17 items 2 and 5) -----------------------------------
def test_assigning_threshold_or_strong_share_changes_the_next_decision(provider: FakeProvider) -> None:
    llm = make_model(provider)  # every prompt scores 0.5
    assert answered_by(llm) == STRONG
    llm.threshold = 0.9
    assert answered_by(llm) == WEAK
    shared = make_model(provider, scorer="random", threshold=None)
    shared.strong_share = 1.0
    assert answered_by(shared) == STRONG
    shared.strong_share = 0.0
    assert answered_by(shared) == WEAK


def test_model_copy_routes_with_its_own_fields(provider: FakeProvider) -> None:
    llm = make_model(provider)
    cheap = llm.model_copy(update={"threshold": 0.9})
    swapped = llm.model_copy(update={"weak": "openai/other-model"})
    assert answered_by(cheap) == WEAK and answered_by(llm) == STRONG
    assert answered_by(swapped.bind(route_to="weak")) == "openai/other-model"
    assert answered_by(llm.bind(route_to="weak")) == WEAK


def test_a_bad_assigned_value_names_the_field(provider: FakeProvider) -> None:
    llm = make_model(provider)
    with pytest.raises(ValueError, match="threshold"):
        llm.threshold = 2.0


def test_route_to_and_model_pin_alike(provider: FakeProvider) -> None:
    llm = make_model(provider)
    assert llm.invoke("x", route_to="weak").response_metadata["routing"]["policy"] == "forced"
    assert answered_by(llm.bind(route_to="weak")) == answered_by(llm.bind(model="weak")) == WEAK


def test_default_router_is_the_shipped_default(provider: FakeProvider) -> None:
    assert RoutedChatModel(strong=STRONG, weak=WEAK).scorer == "default"


# -- provider errors keep their type (issue 17 item 3) -----------------------------------------
def test_a_429_is_an_openai_rate_limit_error_and_a_provider_error(provider: FakeProvider) -> None:
    provider.fail_next("strong-model", status=429)
    with pytest.raises(openai.RateLimitError) as caught:
        make_model(provider).invoke("prove it")
    assert isinstance(caught.value, ProviderError) and caught.value.models == (STRONG,)
    assert caught.value.status_code == 429


async def test_with_retry_by_type_retries_a_429(provider: FakeProvider) -> None:
    provider.fail_next("strong-model", status=429)
    retrying = make_model(provider).with_retry(
        retry_if_exception_type=(openai.RateLimitError,), stop_after_attempt=2, wait_exponential_jitter=False
    )
    assert retrying.invoke("prove it").content == "Answer from strong-model."
    provider.fail_next("strong-model", status=429)
    assert (await retrying.ainvoke("prove it")).content == "Answer from strong-model."
    assert provider.models_called() == ["strong-model"] * 4


def test_a_mid_stream_failure_is_still_a_provider_error(provider: FakeProvider) -> None:
    provider.fail_next("strong-model", status=200, content="one two three four", fail_after_chunks=2)
    with pytest.raises(ProviderError, match="mid-stream"):
        list(make_model(provider).stream("prove it"))


# -- an echoed key stays out of traces (issue 18 item 9) ----------------------------------------
class ErrorRecorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.errors: list[BaseException] = []

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.errors.append(error)


@pytest.mark.parametrize("streaming", [False, True])
def test_a_401_echoing_the_key_is_masked_in_tracer_runs_and_callbacks(provider: FakeProvider, streaming: bool) -> None:
    provider.fail_next("strong-model", status=401, error_message=f"Incorrect API key provided: {SECRET}")
    collector, recorder = RunCollectorCallbackHandler(), ErrorRecorder()
    llm = make_model(provider)
    with pytest.raises(openai.AuthenticationError) as caught:
        if streaming:
            list(llm.stream("prove it", config={"callbacks": [collector, recorder]}))
        else:
            llm.invoke("prove it", config={"callbacks": [collector, recorder]})
    [run] = collector.traced_runs
    shown = [str(run.error), "".join(traceback.format_exception(caught.value))]
    shown += ["".join(traceback.format_exception(error)) for error in recorder.errors]
    assert run.error and recorder.errors
    assert all(SECRET not in text for text in shown)
    assert provider.requests[-1].headers["authorization"] == f"Bearer {SECRET}"


# -- message ids (issue 18 item 13) ------------------------------------------------------------
def test_provider_ids_stay_in_metadata_and_langchain_assigns_message_ids(provider: FakeProvider) -> None:
    """A gateway or cache that repeats completion ids must not make LangGraph's reducer
    overwrite one message with another: message ids are LangChain's run ids."""
    llm = make_model(provider)
    first, second = llm.invoke("a"), llm.invoke("b")
    for message in (first, second):
        assert message.response_metadata["id"].startswith("chatcmpl")  # the provider's id, kept
        assert message.id is not None and message.id.startswith("lc_run")
    again = llm.invoke("a")  # the same request: the provider (like a cache) repeats its id
    assert again.response_metadata["id"] == first.response_metadata["id"]
    assert len({first.id, second.id, again.id}) == 3
    streamed = list(llm.stream("c"))
    assert all(chunk.id is None or chunk.id.startswith("lc_run") for chunk in streamed)


# -- token counting (issue 18 item 14) ---------------------------------------------------------
def test_token_counts_come_from_litellm_without_a_download(provider: FakeProvider, socket_disabled: Any) -> None:
    llm = make_model(provider)
    assert llm.get_num_tokens("hello world, how are you today?") > 5
    history = [SystemMessage("be brief"), HumanMessage("first question " * 20), AIMessage("first answer " * 20),
               HumanMessage("second question")]
    total = llm.get_num_tokens_from_messages(history)
    assert total > llm.get_num_tokens_from_messages(history[-1:]) > 0
    kept = trim_messages(history, max_tokens=total // 2, token_counter=llm, strategy="last", include_system=True)
    assert kept[0] == history[0] and history[-1] in kept and len(kept) < len(history)


def test_token_counts_include_tools_and_survive_unscorable_histories(provider: FakeProvider) -> None:
    llm = make_model(provider)
    tool = {"type": "function", "function": {"name": "lookup", "description": "Look a word up.",
                                             "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}}
    history = [HumanMessage("q"), AIMessage("", tool_calls=[{"name": "lookup", "args": {}, "id": "c1"}]),
               ToolMessage("r", tool_call_id="c1")]
    assert llm.get_num_tokens_from_messages(history, tools=[tool]) > llm.get_num_tokens_from_messages(history)
    assert llm.get_num_tokens_from_messages([SystemMessage("only a system turn")]) > 0


def test_counting_tokens_neither_scores_nor_feeds_policies(provider: FakeProvider) -> None:
    """``trim_messages`` counts many partial histories: none of them is traffic."""
    from routed_llm.routing import OnlineCalibrator

    scorer, online = FakeScorer(default=0.5), OnlineCalibrator(strong_share=0.5, window=10, min_samples=1)
    llm = make_model(provider, scorer=scorer, threshold=None, policies=[online])
    history = [SystemMessage("be brief"), HumanMessage("first question " * 20), AIMessage("first answer " * 20),
               HumanMessage("second question")]
    trim_messages(history, max_tokens=20, token_counter=llm, strategy="last", include_system=True)
    assert scorer.calls == 0 and online.current_threshold() is None


def test_assigning_a_field_validates_once_not_to_the_recursion_limit(provider: FakeProvider) -> None:
    """langchain_core re-assigns a ``None`` profile on every validation; with
    ``validate_assignment`` that recursed about 250 validations deep (748 frames) on each
    assignment, so a garbage collection at that depth failed in pytest's unraisable hook."""
    import sys

    llm = make_model(provider)
    deepest = 0

    def depth(frame: Any, event: str, arg: Any) -> None:
        nonlocal deepest
        if event == "call":
            count = 0
            while frame is not None:
                count, frame = count + 1, frame.f_back
            deepest = max(deepest, count)

    base = len(traceback.extract_stack())
    sys.setprofile(depth)
    try:
        llm.threshold = 0.3
    finally:
        sys.setprofile(None)
    assert deepest - base < 60 and llm.profile == {}
