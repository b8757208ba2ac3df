"""Issue 18 items 1-2: a call that is cancelled, or a stream that is closed or dropped, gives
its concurrency slot and its spend reservation back (sync, async, stream, astream)."""

from __future__ import annotations

import asyncio
import gc
import signal
from collections.abc import Iterator
from types import FrameType

import pytest

from routed_llm import ModelPrice, RoutedClient
from routed_llm.routing import ConcurrencyCap, SpendBudget
from routed_llm.testing import FakeProvider, FakeReply, FakeScorer

HI = [{"role": "user", "content": "hard question"}]
SLOW = {"status": 200, "content": "late answer", "delay_s": 2.0}


class Interrupted(BaseException):
    """What a signal handler raises into a blocking sync call, as Ctrl-C would."""


@pytest.fixture
def guarded(provider: FakeProvider) -> tuple[RoutedClient, ConcurrencyCap, SpendBudget]:
    cap, budget = ConcurrencyCap(1), SpendBudget(usd=1.0)
    client = RoutedClient(
        "openai/big", "openai/small", scorer=FakeScorer(default=0.9), threshold=0.5, api_base=provider.base_url,
        api_key="k", num_retries=0, policies=[cap, budget],
        prices={"openai/big": ModelPrice(1e-3, 1e-3), "openai/small": ModelPrice(1e-5, 1e-5)},
    )
    client.complete(HI)  # one priced call: the budget now reserves a typical strong cost per admission
    return client, cap, budget


def assert_all_returned(client: RoutedClient, cap: ConcurrencyCap, budget: SpendBudget) -> None:
    assert cap.in_flight == 0
    assert budget.store.reserved() == pytest.approx(0.0, abs=1e-12)
    assert client.route(HI).role == "strong" and client.route(HI).policy == "threshold"


@pytest.fixture
def interrupt_after() -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, handler)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("method", ["acomplete", "astream"])
async def test_an_async_call_cancelled_by_wait_for_returns_its_slot_and_reservation(
    guarded: tuple[RoutedClient, ConcurrencyCap, SpendBudget], provider: FakeProvider, method: str
) -> None:
    client, cap, budget = guarded
    for _ in range(3):
        provider.fail_next("big", **SLOW)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(getattr(client, method)(HI), timeout=0.2)
    assert_all_returned(client, cap, budget)


@pytest.mark.parametrize("method", ["complete", "stream"])
def test_a_sync_call_interrupted_returns_its_slot_and_reservation(
    guarded: tuple[RoutedClient, ConcurrencyCap, SpendBudget], provider: FakeProvider, interrupt_after: None,
    method: str,
) -> None:
    client, cap, budget = guarded
    provider.fail_next("big", **SLOW)
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    with pytest.raises(Interrupted):
        getattr(client, method)(HI)
    assert_all_returned(client, cap, budget)


SLOW_CHUNKS = {"status": 200, "content": "one two three four", "chunk_delay_s": 2.0}


async def test_an_async_stream_cancelled_between_chunks_returns_its_slot_and_reservation(
    guarded: tuple[RoutedClient, ConcurrencyCap, SpendBudget], provider: FakeProvider
) -> None:
    client, cap, budget = guarded
    provider.fail_next("big", **SLOW_CHUNKS)
    stream = await client.astream(HI)

    async def read_all() -> None:
        async for _ in stream:
            pass

    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(read_all(), timeout=0.2)
    assert_all_returned(client, cap, budget)


def test_a_sync_stream_interrupted_between_chunks_returns_its_slot_and_reservation(
    guarded: tuple[RoutedClient, ConcurrencyCap, SpendBudget], provider: FakeProvider, interrupt_after: None
) -> None:
    client, cap, budget = guarded
    provider.fail_next("big", **SLOW_CHUNKS)
    stream = client.stream(HI)
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    with pytest.raises(Interrupted):
        for _ in stream:
            pass
    assert_all_returned(client, cap, budget)


def test_sync_streams_closed_or_dropped_after_one_chunk_return_their_slots(provider: FakeProvider) -> None:
    provider.responder = lambda body: FakeReply(content="one two three four")
    cap = ConcurrencyCap(2)
    client = RoutedClient("openai/big", "openai/small", scorer=FakeScorer(default=0.9), api_base=provider.base_url,
                          api_key="k", policies=[cap])
    closed = client.stream(HI)
    next(iter(closed))
    closed.close()
    with client.stream(HI) as in_context:
        next(iter(in_context))
    dropped = client.stream(HI)
    next(iter(dropped))
    del dropped
    gc.collect()
    never_read = client.stream(HI)
    del never_read
    gc.collect()
    assert cap.in_flight == 0
    streams = [client.stream(HI) for _ in range(3)]
    assert [stream.decision.role for stream in streams] == ["strong", "strong", "weak"]
    for stream in streams:
        stream.close()
    assert cap.in_flight == 0


async def test_async_streams_closed_or_dropped_after_one_chunk_return_their_slots(provider: FakeProvider) -> None:
    provider.responder = lambda body: FakeReply(content="one two three four")
    cap = ConcurrencyCap(2)
    client = RoutedClient("openai/big", "openai/small", scorer=FakeScorer(default=0.9), api_base=provider.base_url,
                          api_key="k", policies=[cap])
    closed = await client.astream(HI)
    await closed.__anext__()
    await closed.aclose()
    async with await client.astream(HI) as in_context:
        await in_context.__anext__()
    dropped = await client.astream(HI)
    await dropped.__anext__()
    del dropped
    gc.collect()
    never_read = await client.astream(HI)
    del never_read
    gc.collect()
    assert cap.in_flight == 0
    streams = [await client.astream(HI) for _ in range(3)]
    assert [stream.decision.role for stream in streams] == ["strong", "strong", "weak"]
    for stream in streams:
        async for _ in stream:
            pass
    assert cap.in_flight == 0
