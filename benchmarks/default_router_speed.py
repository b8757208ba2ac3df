"""Speed of the shipped default router (or any saved one): load time, one-prompt latency, batched throughput.

Prompts are every held-out prompt of ``pair_sources.py`` (MMLU, GSM8K, ARC-Challenge, MBPP,
Winogrande, AlpacaEval: real lengths, few-shot prompts of 2,000 characters included) and the
everyday-prompt fixture when ``../shared/data`` is present, otherwise a fixed mix of short and
long synthetic prompts. The default needs only the core install (numpy, safetensors,
tokenizers): run it in a venv without torch to check that too.

    python benchmarks/default_router_speed.py [--data ../shared/data] [--router default|PATH]

``--router PATH`` times a saved router the same way, e.g. the fine-tuned BERT router that
``benchmarks/research_routers.py`` writes, to set its accuracy against its cost.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

_LOAD_SNIPPET = (
    "import sys, time; t = time.perf_counter(); "
    "from routed_llm.scorers.registry import resolve_scorer; s = resolve_scorer(sys.argv[1]); "
    "s.score(['warm-up']); print(time.perf_counter() - t)"
)


def sample_prompts(data: Path) -> list[str]:
    """Real benchmark prompts when available, so latency reflects real prompt lengths."""
    if (data / "routellm").is_dir():
        from pair_sources import load_pair_data

        fixture = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "everyday_prompts.jsonl"
        everyday = [json.loads(line)["prompt"] for line in fixture.read_text(encoding="utf-8").splitlines() if line]
        return [prompt for table in load_pair_data(data).held_out.values() for prompt in table.prompts] + everyday
    short = ["What is the capital of France?", "hi there", "Translate 'good morning' into Spanish."]
    long = ["Prove that there are infinitely many primes congruent to 3 mod 4. " * 8,
            "Write a thread-safe LRU cache in Rust with O(1) get and put, and explain it. " * 6]
    return (short + long) * 2000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--router", default="default", help="a registered name or a saved router directory")
    args = parser.parse_args()

    loads = []
    for _ in range(5):
        result = subprocess.run([sys.executable, "-c", _LOAD_SNIPPET, args.router],
                                capture_output=True, text=True, check=True)
        loads.append(float(result.stdout.strip()))
    print(f"load (fresh interpreter: import + load + first score): median {statistics.median(loads) * 1000:.0f} ms "
          f"over {len(loads)} runs")

    from routed_llm.scorers.registry import resolve_scorer

    started = time.perf_counter()
    scorer = resolve_scorer(args.router)
    print(f"load (artifact only, modules already imported): {(time.perf_counter() - started) * 1000:.0f} ms")
    prompts = sample_prompts(Path(args.data))
    latencies = []
    for prompt in prompts[:: max(1, len(prompts) // 2000)]:
        started = time.perf_counter()
        scorer.score([prompt])
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    print(f"one prompt: p50 {p50 * 1000:.3f} ms, p99 {p99 * 1000:.3f} ms (n={len(latencies)})")

    started = time.perf_counter()
    for start in range(0, len(prompts), args.batch_size):
        scorer.score(prompts[start : start + args.batch_size])
    elapsed = time.perf_counter() - started
    mean_chars = sum(map(len, prompts)) / len(prompts)
    print(f"batched ({args.batch_size}/batch): {len(prompts) / elapsed:,.0f} prompts/s over {len(prompts)} prompts "
          f"(mean {mean_chars:.0f} chars)")


if __name__ == "__main__":
    main()
