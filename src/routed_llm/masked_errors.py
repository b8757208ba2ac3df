"""Copies of provider exceptions with the API keys taken out.

A provider that quotes the request's bearer token in its error body puts the key in the
exception litellm raises. Masking the message of the error we raise is not enough: the
provider's exception travels as its ``__cause__`` into ``traceback.format_exception``,
tracing services and framework callbacks. So the cause is replaced by a copy of the same
type (``except openai.RateLimitError`` still matches it) whose text, and whose own chain,
have every known secret masked.

The HTTP exchange an exception carries is copied too: its request's ``Authorization``
header holds the key and its response's body may echo it, and handlers read both
(``error.response.headers["retry-after"]``), so they are kept, masked, not dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from routed_llm.secrets import redact_text

__all__ = ["masked_exception"]

_MAX_CHAIN = 16
_BODY_FRAMING = frozenset({"content-length", "content-encoding", "transfer-encoding"})
E = TypeVar("E", bound=BaseException)


def masked_exception(error: E, secrets: Sequence[str]) -> E:
    """A copy of ``error`` with each of ``secrets`` masked in its args, string attributes and chain."""
    return _masked(error, secrets, 0) if secrets else error


def _masked(error: E, secrets: Sequence[str], depth: int) -> E:
    kind = type(error)
    copy = kind.__new__(kind)  # not __init__: provider exceptions take constructor arguments of their own
    state = getattr(error, "__dict__", None)
    if state is not None:
        copy.__dict__.update({name: _masked_value(value, secrets) for name, value in state.items()})
    copy.args = tuple(_masked_value(arg, secrets) for arg in error.args)
    chained = depth < _MAX_CHAIN
    copy.__cause__ = _masked(error.__cause__, secrets, depth + 1) if chained and error.__cause__ is not None else None
    copy.__context__ = (
        _masked(error.__context__, secrets, depth + 1) if chained and error.__context__ is not None else None
    )
    copy.__suppress_context__ = error.__suppress_context__
    return copy.with_traceback(error.__traceback__)


def _masked_value(value: Any, secrets: Sequence[str]) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, Mapping):
        return {key: _masked_value(item, secrets) for key, item in value.items()}
    if isinstance(value, BaseException):
        return _masked(value, secrets, _MAX_CHAIN)
    if type(value).__module__.startswith("httpx"):
        return _masked_http(value, secrets)
    return value


def _masked_http(value: Any, secrets: Sequence[str]) -> Any:
    """httpx requests and responses rebuilt with masked URL, headers and body; other httpx values as they are."""
    import httpx

    def headers(source: httpx.Headers) -> list[tuple[str, str]]:
        # The copy's body is decoded and masked, so its length and encoding are no longer the wire's.
        return [(name, redact_text(item, secrets)) for name, item in source.multi_items()
                if name.lower() not in _BODY_FRAMING]

    def body(read: Any) -> bytes:
        try:
            return redact_text(bytes(read()).decode("utf-8", "replace"), secrets).encode("utf-8")
        except (httpx.RequestNotRead, httpx.ResponseNotRead):  # a stream nobody read: nothing to keep
            return b""

    if isinstance(value, httpx.Request):
        return httpx.Request(value.method, redact_text(str(value.url), secrets), headers=headers(value.headers),
                             content=body(lambda: value.content))
    if isinstance(value, httpx.Response):
        try:
            request = _masked_http(value.request, secrets)
        except RuntimeError:  # a response built without a request
            request = None
        return httpx.Response(value.status_code, headers=headers(value.headers), content=body(lambda: value.content),
                              request=request)
    return value
