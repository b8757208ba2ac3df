"""Wall time RoutedChatModel adds to a call, against the same call made with litellm directly
(the issue asks for at most 10%).

Every path calls the same model (``openai/weak-model``) with the same message on a
zero-latency loopback server: ``routed_llm.testing.FakeProvider``, run in a child process
so its work does not compete with the measured client for the GIL.

- ``litellm``: ``litellm.completion(...)`` (``stream=True`` for streams);
- ``routed``: ``RoutedChatModel(...).invoke`` / ``.stream`` with the random router (scoring
  is the router's own cost, not the integration's; ``--router default`` includes the
  shipped router's) and threshold 1.0, so it answers with the weak model (random scores stay below 1),
  as the direct call does;
- ``lc floor`` (invoke only, for reference): the smallest possible LangChain chat model, a
  ``BaseChatModel`` whose ``_generate`` calls litellm and wraps the text, i.e. what any
  LangChain chat model over litellm costs before doing anything of its own.

Each round times ``--calls`` consecutive calls of each path, rotating which goes first;
figures are medians over ``--rounds`` rounds of the mean time per call. ``overhead`` is
``median(path) / median(litellm) - 1`` of wall time, ``paired`` the median of the per-round
wall ratios minus 1 (less disturbed by load drifting between rounds), and ``cpu`` the
measuring thread's CPU time per call, which other processes competing for the cores do not
inflate.

Run: ``LITELLM_LOCAL_MODEL_COST_MAP=True .venv/bin/python benchmarks/langchain_overhead.py``
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

PROMPT = "Summarise the plot of Hamlet in one sentence."
MODEL = "openai/weak-model"
API_KEY = "sk-benchmark"

Call = Callable[[], object]


def serve(port_out: Connection, stop: Any) -> None:
    """Child process: run the fake provider until told to stop."""
    from routed_llm.testing import FakeProvider

    with FakeProvider() as provider:
        port_out.send(provider.base_url)
        stop.wait()


def per_call_seconds(call: Call, calls: int) -> tuple[float, float]:
    """Wall time and this thread's CPU time per call."""
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(calls):
        call()
    return (time.perf_counter() - wall) / calls, (time.thread_time() - cpu) / calls


def compare(paths: Mapping[str, Call], rounds: int, calls: int) -> dict[str, list[tuple[float, float]]]:
    """Per-round (wall, cpu) seconds per call of each path, the paths' order rotating."""
    for call in paths.values():  # warm connection pools, caches and lazy imports
        for _ in range(calls):
            call()
    names = list(paths)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(per_call_seconds(paths[name], calls))
    return times


def report(kind: str, times: Mapping[str, list[tuple[float, float]]]) -> None:
    base = times["litellm"]
    base_wall = statistics.median(wall for wall, _ in base)
    base_cpu = statistics.median(cpu for _, cpu in base)
    for name, rounds in times.items():
        wall = statistics.median(w for w, _ in rounds)
        cpu = statistics.median(c for _, c in rounds)
        paired = statistics.median(w / b for (w, _), (b, _) in zip(rounds, base, strict=True))
        print(
            f"{kind:<8}{name:<10}{wall * 1e3:>9.3f}{wall / base_wall - 1:>+10.1%}{paired - 1:>+9.1%}"
            f"{cpu * 1e3:>9.3f}{cpu / base_cpu - 1:>+10.1%}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=45)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--router", default="random", help="router spec; 'default' adds the shipped router's scoring")
    args = parser.parse_args()

    import litellm
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage, BaseMessage
    from langchain_core.outputs import ChatGeneration, ChatResult
    from langchain_routed_llm import RoutedChatModel

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    stop = context.Event()
    server = context.Process(target=serve, args=(send, stop), daemon=True)
    server.start()
    try:
        base_url = receive.recv()
        messages = [{"role": "user", "content": PROMPT}]
        model = RoutedChatModel(
            strong="openai/strong-model", weak=MODEL, scorer=args.router, threshold=1.0, api_base=base_url,
            api_key=API_KEY,
        )

        class FloorChatModel(BaseChatModel):
            """The least a LangChain chat model over litellm can do."""

            @property
            def _llm_type(self) -> str:
                return "floor"

            def _generate(self, prompt: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                          **kwargs: Any) -> ChatResult:
                reply = litellm.completion(model=MODEL, messages=messages, api_base=base_url, api_key=API_KEY)
                return ChatResult(generations=[ChatGeneration(message=AIMessage(reply.choices[0].message.content))])

        floor = FloorChatModel()
        invoke = {
            "litellm": lambda: litellm.completion(model=MODEL, messages=messages, api_base=base_url, api_key=API_KEY),
            "lc floor": lambda: floor.invoke(PROMPT),
            "routed": lambda: model.invoke(PROMPT),
        }
        stream = {
            "litellm": lambda: list(litellm.completion(model=MODEL, messages=messages, api_base=base_url,
                                                       api_key=API_KEY, stream=True,
                                                       stream_options={"include_usage": True})),
            "routed": lambda: list(model.stream(PROMPT)),
        }
        print(f"{args.rounds} rounds x {args.calls} calls per path, interleaved; medians, ms per call")
        print(f"{'call':<8}{'path':<10}{'wall':>9}{'overhead':>10}{'paired':>9}{'cpu':>9}{'cpu over':>10}")
        for kind, paths in (("invoke", invoke), ("stream", stream)):
            report(kind, compare(paths, args.rounds, args.calls))
    finally:
        stop.set()
        server.join(timeout=5)


if __name__ == "__main__":
    main()
