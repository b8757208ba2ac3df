"""An OpenAI-compatible fake provider on loopback, for tests, notebooks and demos.

It speaks the real wire protocol (``/v1/chat/completions`` with SSE streaming, tool
calls, JSON-schema structured output, stop sequences, usage; ``/v1/embeddings``;
``/v1/models``), so litellm, LangChain and LlamaIndex are exercised for real, end to
end, without a network or an API key. Every request is recorded, and failures, delays
and answers can be scripted per model.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeProvider", "FakeReply", "RecordedRequest", "fake_value_for_schema"]


@dataclass
class FakeReply:
    """What the fake answers: text, tool calls, or an HTTP error."""

    content: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    error_message: str = "injected failure"
    delay_s: float = 0.0
    garbage: bool = False
    """Answer 200 with a body that is not JSON (a broken upstream)."""
    fail_after_chunks: int | None = None
    """When streaming, drop the connection after this many content chunks."""
    chunk_delay_s: float = 0.0
    """When streaming, wait this long before each content chunk after the first (a slow model)."""
    logprobs: list[dict[str, Any]] | None = None
    """Per-token entries in OpenAI's format (``{"token", "logprob", "top_logprobs": [...]}``),
    sent only when the request asks for ``logprobs``, as a provider that supports them does."""
    usage: Mapping[str, int] | None = None
    """``prompt_tokens`` / ``completion_tokens`` to report instead of the fake's estimate
    (the replay provider encodes each recorded call's cost in them)."""


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it."""

    path: str
    model: str | None
    body: Mapping[str, Any]
    headers: Mapping[str, str]


Responder = Callable[[Mapping[str, Any]], "FakeReply | None"]


class FakeProvider:
    """A threaded loopback server; use as a context manager or call start/stop.

    ``responder(body)`` may return a :class:`FakeReply` to script an answer; returning
    ``None`` (or passing no responder) gives the default behaviour: a tool call when tools
    are offered and no tool result came back yet, a JSON object fitting a requested
    schema, otherwise ``"<answer> from <model>"``.
    """

    def __init__(self, responder: Responder | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.responder = responder
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._failures: dict[str, list[FakeReply]] = {}
        self._server = _Server((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The ``api_base`` to give litellm or an OpenAI client."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeProvider:
        if self._thread is None:
            # a short poll: shutdown() waits up to one interval, and a test suite stops hundreds of these
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                            name="fake-provider", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread = None

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting and inspection ------------------------------------------------------
    def fail_next(self, model: str, status: int = 500, times: int = 1, **reply: Any) -> None:
        """Make the next ``times`` requests for ``model`` answer ``status`` (or as ``reply`` says)."""
        with self._lock:
            self._failures.setdefault(model, []).extend(FakeReply(status=status, **reply) for _ in range(times))

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def models_called(self) -> list[str | None]:
        """The ``model`` of each chat request, in arrival order."""
        return [r.model for r in self.requests if r.path.endswith("/chat/completions")]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._failures.clear()

    # -- behaviour -------------------------------------------------------------------------
    def _record(self, request: RecordedRequest) -> FakeReply | None:
        with self._lock:
            self._requests.append(request)
            queue = self._failures.get(request.model or "")
            return queue.pop(0) if queue else None

    def _reply_for(self, body: Mapping[str, Any]) -> FakeReply:
        scripted = self.responder(body) if self.responder is not None else None
        return scripted if scripted is not None else default_reply(body)


class _Server(ThreadingHTTPServer):
    """A listen backlog deep enough for a thousand clients connecting at once: with the
    default of 5, the kernel drops their SYNs and each retries a second or more later."""

    request_queue_size = 1024


def default_reply(body: Mapping[str, Any]) -> FakeReply:
    """Answer the way a cooperative model would, from the request alone."""
    messages = list(body.get("messages") or [])
    model = str(body.get("model"))
    tools = body.get("tools") or []
    tool_choice = body.get("tool_choice")
    last = messages[-1] if messages else {}
    if tools and tool_choice != "none" and last.get("role") != "tool":
        tool = _pick_tool(tools, tool_choice)
        if tool is not None:
            function = tool["function"]
            arguments = fake_value_for_schema(function.get("parameters") or {"type": "object"})
            call_id = "call_" + hashlib.sha1(json.dumps(messages, sort_keys=True).encode()).hexdigest()[:12]
            return FakeReply(tool_calls=[{"id": call_id, "type": "function", "function": {
                "name": function["name"], "arguments": json.dumps(arguments)}}])
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {"type": "object"}
        return FakeReply(content=json.dumps(fake_value_for_schema(schema)))
    if response_format.get("type") == "json_object":
        return FakeReply(content=json.dumps({"answer": f"answer from {model}"}))
    if last.get("role") == "tool":
        return FakeReply(content=f"The tool returned {_text(last.get('content'))}. Answer from {model}.")
    return FakeReply(content=f"Answer from {model}.")


def fake_value_for_schema(schema: Mapping[str, Any], defs: Mapping[str, Any] | None = None) -> Any:
    """A small value that validates against a JSON schema (objects, arrays, enums, refs)."""
    defs = defs if defs is not None else {**schema.get("$defs", {}), **schema.get("definitions", {})}
    if "$ref" in schema:
        return fake_value_for_schema(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if schema.get(combinator):
            options = [s for s in schema[combinator] if s.get("type") != "null"] or schema[combinator]
            return fake_value_for_schema(options[0], defs)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: fake_value_for_schema(sub, defs) for name, sub in properties.items()}
    if kind == "array":
        return [fake_value_for_schema(schema.get("items", {"type": "string"}), defs)]
    if kind == "integer":
        return int(schema.get("minimum", 3))
    if kind == "number":
        return float(schema.get("minimum", 3.0))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "text"


def _pick_tool(tools: list[Mapping[str, Any]], tool_choice: Any) -> Mapping[str, Any] | None:
    if isinstance(tool_choice, Mapping):
        wanted = (tool_choice.get("function") or {}).get("name")
        return next((t for t in tools if t.get("function", {}).get("name") == wanted), None)
    return tools[0]


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, Mapping))
    return ""


def _count_tokens(value: Any) -> int:
    return max(1, math.ceil(len(json.dumps(value, ensure_ascii=False)) / 4))


def _apply_limits(content: str, body: Mapping[str, Any]) -> tuple[str, str]:
    """Cut at a stop sequence or at max_tokens (one word per token), as a model would."""
    finish = "stop"
    stops = body.get("stop") or []
    for stop in [stops] if isinstance(stops, str) else stops:
        if stop and stop in content:
            content = content[: content.index(stop)]
    max_tokens = body.get("max_tokens") or body.get("max_completion_tokens")
    words = content.split(" ")
    if isinstance(max_tokens, int) and len(words) > max_tokens:
        content, finish = " ".join(words[:max_tokens]), "length"
    return content, finish


def _handler_for(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in separate writes; with Nagle's algorithm on, the
        # client's delayed ACK holds each keep-alive response back by ~40 ms.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # silence stderr
            return

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._json(200, {"object": "list", "data": []})
            else:
                self._json(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                self._json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = RecordedRequest(self.path, body.get("model"), body, headers)
            injected = provider._record(request)
            if self.path.endswith("/embeddings"):
                self._embeddings(body)
            elif self.path.endswith("/chat/completions"):
                self._chat(body, injected or provider._reply_for(body))
            else:
                self._json(404, {"error": {"message": f"no route {self.path}"}})

        # -- endpoints -------------------------------------------------------------------
        def _embeddings(self, body: Mapping[str, Any]) -> None:
            inputs = body.get("input")
            texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
            data = [{"object": "embedding", "index": i, "embedding": _fake_embedding(str(t))} for i, t in enumerate(texts)]
            tokens = sum(_count_tokens(t) for t in texts)
            self._json(200, {"object": "list", "data": data, "model": body.get("model"),
                             "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

        def _chat(self, body: Mapping[str, Any], reply: FakeReply) -> None:
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.status != 200:
                kind = "rate_limit_error" if reply.status == 429 else "server_error"
                self._json(reply.status, {"error": {"message": reply.error_message, "type": kind, "code": reply.status}})
                return
            if reply.garbage:
                self._raw(200, b"<html>upstream exploded", "text/html")
                return
            content, finish = _apply_limits(reply.content or "", body) if reply.content is not None else (None, "stop")
            if reply.tool_calls:
                finish = "tool_calls"
            prompt_tokens = _count_tokens(body.get("messages"))
            completion_tokens = _count_tokens(content or "") + sum(_count_tokens(c) for c in reply.tool_calls)
            if reply.usage is not None:
                prompt_tokens = int(reply.usage.get("prompt_tokens", prompt_tokens))
                completion_tokens = int(reply.usage.get("completion_tokens", completion_tokens))
            usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                     "total_tokens": prompt_tokens + completion_tokens}
            ident = "chatcmpl-" + hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
            if body.get("stream"):
                include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                self._stream(ident, str(body.get("model")), content, reply, finish, usage if include_usage else None)
                return
            message: dict[str, Any] = {"role": "assistant", "content": content}
            if reply.tool_calls:
                message["tool_calls"] = reply.tool_calls
            choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": finish}
            if body.get("logprobs") and reply.logprobs is not None:
                choice["logprobs"] = {"content": _logprob_entries(reply.logprobs, body.get("top_logprobs"))}
            self._json(200, {"id": ident, "object": "chat.completion", "created": int(time.time()),
                             "model": body.get("model"), "usage": usage, "choices": [choice]})

        def _stream(self, ident: str, model: str, content: str | None, reply: FakeReply, finish: str,
                    usage: Mapping[str, int] | None) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            created = int(time.time())

            def send(delta: Mapping[str, Any], finish_reason: str | None = None, **extra: Any) -> None:
                chunk = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model,
                         "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}], **extra}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

            send({"role": "assistant", "content": ""})
            pieces = [w + " " for w in (content or "").split(" ")]
            if pieces:
                pieces[-1] = pieces[-1][:-1]
            for index, piece in enumerate(p for p in pieces if p):
                if reply.fail_after_chunks is not None and index >= reply.fail_after_chunks:
                    self.close_connection = True
                    self.wfile.write(b"data: {\"error\": {\"message\": \"upstream dropped\"}}\n\n")
                    self.wfile.flush()
                    return
                if index and reply.chunk_delay_s:
                    time.sleep(reply.chunk_delay_s)
                send({"content": piece})
            for index, call in enumerate(reply.tool_calls):
                send({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                      "function": {"name": call["function"]["name"], "arguments": ""}}]})
                send({"tool_calls": [{"index": index, "function": {"arguments": call["function"]["arguments"]}}]})
            send({}, finish)
            if usage is not None:
                chunk = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model,
                         "choices": [], "usage": dict(usage)}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

        # -- plumbing --------------------------------------------------------------------
        def _json(self, status: int, payload: Any) -> None:
            self._raw(status, json.dumps(payload).encode(), "application/json")

        def _raw(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _logprob_entries(entries: list[dict[str, Any]], top: Any) -> list[dict[str, Any]]:
    """Complete each entry (``bytes``, empty alternatives) and cut alternatives to ``top_logprobs``."""
    limit = top if isinstance(top, int) else 0
    completed = []
    for entry in entries:
        alternatives = [
            {"token": alt["token"], "logprob": alt["logprob"], "bytes": list(alt["token"].encode())}
            for alt in entry.get("top_logprobs", [])
        ][:limit]
        completed.append({"token": entry["token"], "logprob": entry["logprob"],
                          "bytes": list(entry["token"].encode()), "top_logprobs": alternatives})
    return completed


def _fake_embedding(text: str, dim: int = 16) -> list[float]:
    """A deterministic unit vector per text: equal texts embed equally."""
    digest = hashlib.sha256(text.encode("utf-8", "replace")).digest()
    values = [(b - 127.5) / 127.5 for b in digest[:dim]]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]
