"""First-call latency of a fresh process: how long the first answer takes after a client is built.

litellm takes seconds to import. ``RoutedClient`` starts that import in a background thread
when it is built, so an application that builds its client at start-up and serves its first
request a little later does not wait for the import then. Each row is a fresh Python process
that builds a client, idles ``idle`` seconds (the application's own start-up), then makes one
call to a loopback fake provider:

    python benchmarks/first_call.py [--idle 0 2 10] [--repeats 3]

``import litellm`` alone, in a fresh process, is timed too for reference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

_FIRST_CALL = """
import sys, time
from routed_llm.testing import FakeProvider, FakeScorer
with FakeProvider() as provider:
    started = time.perf_counter()
    import routed_llm
    client = routed_llm.RoutedClient("openai/big", "openai/small", scorer=FakeScorer(default=0.9),
                                     api_base=provider.base_url, api_key="k")
    built = time.perf_counter()
    time.sleep(float(sys.argv[1]))
    called = time.perf_counter()
    client.complete("hello")
    done = time.perf_counter()
    print(built - started, done - called)
"""
_IMPORT = "import time; t = time.perf_counter(); import litellm; print(time.perf_counter() - t)"


def run(code: str, *args: str) -> list[float]:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, check=True, capture_output=True, text=True)
    return [float(value) for value in out.stdout.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--idle", type=float, nargs="+", default=[0.0, 2.0, 10.0])
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    imports = [run(_IMPORT)[0] for _ in range(options.repeats)]
    print(f"import litellm alone (fresh process): median {statistics.median(imports):.2f} s")
    print(f"{'idle s':>7} {'build s':>8} {'first call s':>13}")
    for idle in options.idle:
        rows = [run(_FIRST_CALL, str(idle)) for _ in range(options.repeats)]
        build = statistics.median(row[0] for row in rows)
        first = statistics.median(row[1] for row in rows)
        print(f"{idle:7.1f} {build:8.3f} {first:13.3f}")


if __name__ == "__main__":
    main()
