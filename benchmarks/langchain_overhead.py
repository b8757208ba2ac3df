"""Wall time RoutedChatModel adds to a call, against the same call made with litellm directly
(the issue asks for at most 10%).

Both paths call the same model (``openai/weak-model``) with the same message on a
zero-latency loopback server: ``routed_llm.testing.FakeProvider``, run in a child process
so its work does not compete with the measured client for the GIL. The routed path is
``RoutedChatModel(...).invoke`` / ``.stream`` with the random router (scoring is the
router's own cost, not the integration's) and a threshold above 1, so it always answers
with the weak model, as the direct call does.

Each round times ``--calls`` consecutive calls of each path, alternating which goes first;
the figures are medians over ``--rounds`` rounds of the mean time per call; the
overhead is ``median(routed) / median(direct) - 1`` of wall time, "paired" is the median
of the per-round wall ratios minus 1 (less disturbed by load drifting between rounds),
and the CPU columns give the measuring thread's CPU time per call, which other processes
competing for the cores do not inflate.

Run: ``LITELLM_LOCAL_MODEL_COST_MAP=True .venv/bin/python benchmarks/langchain_overhead.py``
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

PROMPT = "Summarise the plot of Hamlet in one sentence."
MODEL = "openai/weak-model"
API_KEY = "sk-benchmark"


def serve(port_out: Connection, stop: Any) -> None:
    """Child process: run the fake provider until told to stop."""
    from routed_llm.testing import FakeProvider

    with FakeProvider() as provider:
        port_out.send(provider.base_url)
        stop.wait()


def per_call_seconds(call: Callable[[], object], calls: int) -> tuple[float, float]:
    """Wall time and this thread's CPU time per call (the CPU figure ignores other
    processes competing for the cores, and litellm's background logging threads)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(calls):
        call()
    return (time.perf_counter() - wall) / calls, (time.thread_time() - cpu) / calls


def compare(direct: Callable[[], object], routed: Callable[[], object], rounds: int, calls: int) -> dict[str, float]:
    """Medians over interleaved rounds: wall and CPU seconds per call of each path, and the
    median of the per-round wall ratios (robust to load that drifts between rounds)."""
    for _ in range(calls):  # warm connection pools, caches and lazy imports
        direct()
        routed()
    times: dict[str, list[tuple[float, float]]] = {"direct": [], "routed": []}
    for index in range(rounds):
        order = [("direct", direct), ("routed", routed)]
        for name, call in order if index % 2 == 0 else order[::-1]:
            times[name].append(per_call_seconds(call, calls))
    pairs = zip(times["routed"], times["direct"], strict=True)
    return {
        "direct_wall": statistics.median(wall for wall, _ in times["direct"]),
        "routed_wall": statistics.median(wall for wall, _ in times["routed"]),
        "direct_cpu": statistics.median(cpu for _, cpu in times["direct"]),
        "routed_cpu": statistics.median(cpu for _, cpu in times["routed"]),
        "paired": statistics.median(routed[0] / direct[0] for routed, direct in pairs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args()

    import litellm
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
            strong="openai/strong-model", weak=MODEL, router="random", threshold=1.5, api_base=base_url, api_key=API_KEY
        )

        def direct_invoke() -> object:
            return litellm.completion(model=MODEL, messages=messages, api_base=base_url, api_key=API_KEY)

        def routed_invoke() -> object:
            return model.invoke(PROMPT)

        def direct_stream() -> object:
            return list(litellm.completion(model=MODEL, messages=messages, api_base=base_url, api_key=API_KEY,
                                           stream=True, stream_options={"include_usage": True}))

        def routed_stream() -> object:
            return list(model.stream(PROMPT))

        print(f"{args.rounds} interleaved rounds x {args.calls} calls per path; medians, ms per call")
        print(f"{'call':<8}{'litellm':>9}{'routed':>9}{'overhead':>10}{'paired':>9}"
              f"{'cpu litellm':>13}{'cpu routed':>12}{'cpu overhead':>14}")
        for name, direct, routed in (("invoke", direct_invoke, routed_invoke), ("stream", direct_stream, routed_stream)):
            r = compare(direct, routed, args.rounds, args.calls)
            print(
                f"{name:<8}{r['direct_wall'] * 1e3:>9.3f}{r['routed_wall'] * 1e3:>9.3f}"
                f"{r['routed_wall'] / r['direct_wall'] - 1:>+10.1%}{r['paired'] - 1:>+9.1%}"
                f"{r['direct_cpu'] * 1e3:>13.3f}{r['routed_cpu'] * 1e3:>12.3f}"
                f"{r['routed_cpu'] / r['direct_cpu'] - 1:>+14.1%}"
            )
    finally:
        stop.set()
        server.join(timeout=5)


if __name__ == "__main__":
    main()
