"""Streams of a routed call: chunks as litellm yields them, and the decision they settle.

A stream holds an admitted call (a :class:`~routed_llm.client.Ticket`) for as long as it
is open, so it hands the admission back however it ends: exhausted, broken mid-stream,
closed, cancelled, or dropped unread (garbage collection). The client opens a stream only
once its first chunk with content or a tool call arrived (:func:`first_chunks`), so a
provider that breaks or sends a body without any before that point fails over like a
non-streaming call.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol

from routed_llm.decision import RoutingDecision
from routed_llm.errors import ProviderError

__all__ = ["AsyncRoutedStream", "EmptyStreamError", "RoutedStream", "afirst_chunks", "first_chunks"]


class Ticket(Protocol):
    """What a stream needs of its admitted call (:class:`routed_llm.client.Ticket` is one)."""

    decision: RoutingDecision

    def settle(self, usage: Any) -> RoutingDecision: ...

    def stream_failure(self, error: Exception) -> ProviderError: ...

    def release(self, error: BaseException | None = None) -> None: ...


class EmptyStreamError(Exception):
    """A stream that ended without content or a tool call: an upstream that sent no answer."""

    status_code = 502


def has_answer(chunk: Any) -> bool:
    """Whether a chunk carries part of an answer (text, a tool call or a function call)."""
    for choice in getattr(chunk, "choices", None) or ():
        delta = getattr(choice, "delta", None)
        if delta is not None and (
            getattr(delta, "content", None) or getattr(delta, "tool_calls", None) or getattr(delta, "function_call", None)
        ):
            return True
    return False


def first_chunks(chunks: Any, model: str) -> list[Any]:
    """Read ``chunks`` up to the first one with an answer; raise :class:`EmptyStreamError` when none comes."""
    head: list[Any] = []
    for chunk in chunks:
        head.append(chunk)
        if has_answer(chunk):
            return head
    raise EmptyStreamError(f"{model} ended its stream without content or a tool call")


async def afirst_chunks(chunks: Any, model: str) -> list[Any]:
    """Async :func:`first_chunks`."""
    head: list[Any] = []
    async for chunk in chunks:
        head.append(chunk)
        if has_answer(chunk):
            return head
    raise EmptyStreamError(f"{model} ended its stream without content or a tool call")


class _StreamBase:
    """What both streams share: the ticket, the chunks read ahead, the final usage."""

    def __init__(self, ticket: Ticket, chunks: Any, head: list[Any]) -> None:
        self._ticket = ticket
        self._chunks = chunks
        self._head = list(head)
        self._usage: Any = None
        self._done = False
        self.decision = ticket.decision
        """The routing decision; once the stream is exhausted it also carries the cost."""
        # Dropped unread or half read: the admission still goes back when the stream is collected.
        self._finalizer = weakref.finalize(self, ticket.release)

    @property
    def closed(self) -> bool:
        return self._done

    def _observe(self, chunk: Any) -> Any:
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self._usage = usage
        return chunk

    def _next_buffered(self) -> Any | None:
        return self._observe(self._head.pop(0)) if self._head else None

    def _finish(self) -> None:
        self._done = True
        self.decision = self._ticket.settle(self._usage)
        self._finalizer.detach()

    def _broken(self, error: Exception) -> ProviderError:
        self._done = True
        self._finalizer.detach()
        return self._ticket.stream_failure(error)

    def _abandon(self, error: BaseException | None = None) -> None:
        self._done = True
        self._finalizer.detach()
        self._ticket.release(error)


class RoutedStream(_StreamBase):
    """Iterator over litellm stream chunks; an error mid-stream raises :class:`ProviderError`.

    Close it (or use it as a context manager) when you stop reading early, so the
    policies get the call back at once rather than when the stream is collected.
    """

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        buffered = self._next_buffered()
        if buffered is not None:
            return buffered
        try:
            chunk = next(self._chunks)
        except StopIteration:
            self._finish()
            raise
        except Exception as exc:
            error = self._broken(exc)
        except BaseException as exc:
            self._abandon(exc)
            raise
        else:
            return self._observe(chunk)
        raise error

    def close(self) -> None:
        """Stop reading: release the call and close the connection."""
        if not self._done:
            self._abandon()
            close = getattr(self._chunks, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> RoutedStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncRoutedStream(_StreamBase):
    """Async iterator over litellm stream chunks; close it with :meth:`aclose` when you stop early."""

    def __aiter__(self) -> AsyncIterator[Any]:
        return self

    async def __anext__(self) -> Any:
        if self._done:
            raise StopAsyncIteration
        buffered = self._next_buffered()
        if buffered is not None:
            return buffered
        try:
            chunk = await self._chunks.__anext__()
        except StopAsyncIteration:
            self._finish()
            raise
        except Exception as exc:
            error = self._broken(exc)
        except BaseException as exc:  # cancelled while waiting for the next chunk
            self._abandon(exc)
            raise
        else:
            return self._observe(chunk)
        raise error

    async def aclose(self) -> None:
        """Stop reading: release the call and close the connection."""
        if not self._done:
            self._abandon()
            close = getattr(self._chunks, "aclose", None)
            if callable(close):
                await close()

    async def __aenter__(self) -> AsyncRoutedStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
