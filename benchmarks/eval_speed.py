"""How long evaluating 10,000 prompts with the random scorer takes (the issue asks < 5 s).

Writes a synthetic 10,000-prompt benchmark in routed-llm's JSONL format to a temporary
directory, then times, three times each:

1. the library path: load the file, score every prompt with ``RandomScorer`` in batches of
   256, compute the curve and metrics, build the JSON report;
2. the command line end to end (a fresh interpreter): ``routed-llm eval --router random
   --router oracle --json ... --plot ...`` on the same file.

Run: ``LITELLM_LOCAL_MODEL_COST_MAP=True .venv/bin/python benchmarks/eval_speed.py``
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from routed_llm.evaluation import evaluate_scores, load_benchmark, oracle_metrics
from routed_llm.evaluation.report import report_dict
from routed_llm.scorers import RandomScorer, score_in_batches

N_PROMPTS = 10_000
REPEATS = 3
WORDS = ("prove", "integral", "poem", "translate", "python", "history", "explain", "list", "why", "compare")


def write_benchmark(path: Path) -> None:
    """Prompts of 20-60 words; the strong model right 80% of the time, the weak 68%."""
    generator = np.random.default_rng(0)
    with path.open("w", encoding="utf-8") as handle:
        for index in range(N_PROMPTS):
            words = generator.choice(WORDS, size=int(generator.integers(20, 60)))
            line = {
                "prompt": f"{index}: " + " ".join(words),
                "scores": {"strong": int(generator.random() < 0.8), "weak": int(generator.random() < 0.68)},
            }
            handle.write(json.dumps(line) + "\n")


def library_run(path: Path) -> None:
    table = load_benchmark(path)
    scores = score_in_batches(RandomScorer(seed=0), table.prompts, batch_size=256)
    results = {
        "random-scorer": evaluate_scores(scores, table, "strong", "weak"),
        "oracle": oracle_metrics(table, "strong", "weak"),
    }
    report_dict(str(path), table, "strong", "weak", results)


def cli_run(path: Path, directory: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "routed_llm", "eval", "--data", str(path), "--strong", "strong", "--weak", "weak",
         "--router", "random", "--router", "oracle", "--json", str(directory / "out.json"),
         "--plot", str(directory / "out.png")],
        check=True, capture_output=True,
    )


def timed(action: Callable[[], None]) -> list[float]:
    seconds = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        path = directory / "bench.jsonl"
        write_benchmark(path)
        library = timed(lambda: library_run(path))
        cli = timed(lambda: cli_run(path, directory))
    print(f"{N_PROMPTS} prompts, {REPEATS} runs each (seconds)")
    print(f"library  load + RandomScorer in batches + metrics + report: "
          f"median {statistics.median(library):.3f}, best {min(library):.3f}")
    print(f"CLI      routed-llm eval (random, oracle, --json, --plot), new process: "
          f"median {statistics.median(cli):.3f}, best {min(cli):.3f}")
    print(f"requirement < 5 s: {'met' if max(library) < 5 and max(cli) < 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
