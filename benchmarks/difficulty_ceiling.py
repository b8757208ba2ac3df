"""How far can *knowing a question's difficulty* take a router on RouteLLM's MMLU?

Every router here ranks prompts by what their text reveals. This script measures a ranking
no router can have: on the MMLU questions that RouterDC also published, the measured
accuracy of seven other LLMs (~7B models) on that very question. If even that ranking falls
short of a target, the target asks for more than difficulty, and a prompt-only router has to
find the strong/weak *gap* itself rather than how hard a question is.

It reports APGR / CPT(50%) on the matched rows for: the seven models' mean accuracy (hardest
first), the same difficulty used non-monotonically (the matched rows' own mean gain per difficulty decile,
fitted on the rows it scores, so an optimistic bound), and random. Then, on the held-out rows of
RouterBench's ARC-Challenge, MBPP and Winogrande (``pair_sources.py``), the same ranking by the
mean error of the nine other models RouterBench ran on each row, beside the shipped default.

    python benchmarks/difficulty_ceiling.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
from pair_sources import load_pair_data
from previous_default_recipe import STRONG, WEAK

from routed_llm.evaluation.loaders import load_benchmark
from routed_llm.evaluation.metrics import metrics_from_curve, quality_curve
from routed_llm.scorers import resolve_scorer

DECILES = 10


def question_key(prompt: str) -> str:
    """RouteLLM ends each MMLU prompt with ``Answer:`` and RouterDC does not; compare the words."""
    return re.sub(r"\W+", " ", prompt.lower()).removesuffix(" answer ").strip()


def report(name: str, scores: np.ndarray, strong: np.ndarray, weak: np.ndarray) -> None:
    result = metrics_from_curve(quality_curve(scores, strong, weak), float(strong.mean()), float(weak.mean()))
    print(f"{name:<48} APGR {result.apgr:.3f}  CPT(50%) {result.cpt50:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    args = parser.parse_args()
    data = Path(args.data)

    routellm = load_benchmark(data / "routellm" / "mmlu")
    others = load_benchmark(data / "routerdc" / "mmlu_train.json")
    row_of = {question_key(prompt): row for row, prompt in enumerate(routellm.prompts)}
    matched = np.array([(row_of[key], row) for row, key in enumerate(map(question_key, others.prompts)) if key in row_of])
    ours, theirs = matched[:, 0], matched[:, 1]
    strong = routellm.column(STRONG)[ours]
    weak = routellm.column(WEAK)[ours]
    difficulty = 1.0 - others.quality[theirs].mean(axis=1)
    print(f"{len(ours)} of {len(routellm)} RouteLLM MMLU rows carry the accuracy of {len(others.models)} other models "
          f"(strong right {strong.mean():.1%}, weak right {weak.mean():.1%})")

    report("seven other models' mean error (hardest first)", difficulty, strong, weak)
    edges = np.quantile(difficulty, np.linspace(0.0, 1.0, DECILES + 1)[1:-1])
    decile = np.digitize(difficulty, edges)
    gain_of = np.array([np.mean((strong - weak)[decile == d]) if np.any(decile == d) else 0.0 for d in range(DECILES)])
    tie_break = np.random.default_rng(0).random(len(ours)) * 1e-9
    report("mean gain of the question's difficulty decile", gain_of[decile] + tie_break, strong, weak)
    report("random", np.random.default_rng(0).random(len(ours)), strong, weak)

    held_out = load_pair_data(data).held_out
    default = resolve_scorer("default")
    for name in ("arc", "mbpp", "winogrande"):
        table = held_out[name]
        others = [i for i, model in enumerate(table.models) if model not in (STRONG, WEAK)]
        strong, weak = table.column(STRONG), table.column(WEAK)
        print(f"\nheld-out RouterBench {name} ({len(table)} rows, {len(others)} other models)")
        report("other models' mean error (hardest first)", 1.0 - table.quality[:, others].mean(axis=1), strong, weak)
        report("the shipped default", default.score(list(table.prompts)), strong, weak)


if __name__ == "__main__":
    main()
