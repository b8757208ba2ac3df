"""Drift simulation: a static threshold against the online calibrator when the prompt mix shifts.

Yesterday's traffic (MMLU prompts) calibrates a static threshold for a target strong-call
share. Today's traffic starts the same, turns into GSM8K maths word problems, then returns
to MMLU. Every request goes through ``RoutedClient.route`` twice: once with the static
threshold, once with an :class:`~routed_llm.routing.OnlineCalibrator` on top. The script
prints the strong share and the quality (from the published per-prompt correctness) of
each, per phase and per block of requests.

The replayed prompts include rows the default router trained on (GSM8K has too few held-out
rows for a phase longer than the calibrator's window), so the quality columns compare the two
configurations with each other, not with held-out figures; the shares are what this measures.

Run: ``.venv/bin/python benchmarks/drift_simulation.py [--router default] [--strong-share 0.3]``
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from routed_llm import RoutedClient  # noqa: E402
from routed_llm.evaluation.loaders import load_benchmark  # noqa: E402
from routed_llm.routing import OnlineCalibrator, calibrate  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "routellm"
STRONG, WEAK = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--router", default="default")
    parser.add_argument("--strong-share", type=float, default=0.3)
    parser.add_argument("--window", type=int, default=300, help="online calibrator window (requests)")
    parser.add_argument("--block", type=int, default=200, help="requests per reported block")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()

    mmlu = load_benchmark(args.data / "mmlu")
    gsm8k = load_benchmark(args.data / "gsm8k" / "gsm8k_responses.csv")
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(mmlu))
    yesterday, today_a, today_b = order[:1000], order[1000:2500], order[2500:3500]
    phases = [
        ("MMLU", mmlu.select(today_a)),
        ("GSM8K", gsm8k.select(rng.permutation(len(gsm8k)))),
        ("MMLU again", mmlu.select(today_b)),
    ]

    static = RoutedClient("strong", "weak", scorer=args.router, threshold=0.5)
    threshold = calibrate(static.scorer, [mmlu.prompts[i] for i in yesterday], args.strong_share)
    online = RoutedClient(
        "strong", "weak", scorer=static.scorer, threshold=threshold,
        policies=[OnlineCalibrator(args.strong_share, window=args.window, min_samples=min(50, args.window))],
    )
    print(f"router {static.scorer.name}; target strong share {args.strong_share:.0%}; static threshold "
          f"{threshold:.4f} (calibrated on 1,000 earlier MMLU prompts); online window {args.window}\n")

    rows: list[tuple[str, bool, bool, float, float]] = []  # phase, static strong, online strong, q_static, q_online
    for name, table in phases:
        strong_q, weak_q = table.column(STRONG), table.column(WEAK)
        for prompt, sq, wq in zip(table.prompts, strong_q, weak_q, strict=True):
            s = static.route(prompt, threshold=threshold).role == "strong"
            o = online.route(prompt).role == "strong"
            rows.append((name, s, o, sq if s else wq, sq if o else wq))

    print(f"{'requests':>11} {'phase':11} {'static share':>12} {'online share':>12} {'static q':>9} {'online q':>9}")
    for start in range(0, len(rows), args.block):
        block = rows[start : start + args.block]
        print(f"{start:5d}-{start + len(block) - 1:<5d} {block[0][0]:11} "
              f"{np.mean([r[1] for r in block]):12.1%} {np.mean([r[2] for r in block]):12.1%} "
              f"{np.mean([r[3] for r in block]):9.3f} {np.mean([r[4] for r in block]):9.3f}")

    print(f"\n{'phase':11} {'n':>5} {'static share':>12} {'online share':>12} {'static q':>9} {'online q':>9}"
          f" {'online |dev| after window':>26}")
    for name, _ in phases:
        phase = [r for r in rows if r[0] == name]
        settled = phase[args.window :]
        deviation = abs(np.mean([r[2] for r in settled]) - args.strong_share) if settled else float("nan")
        print(f"{name:11} {len(phase):5d} {np.mean([r[1] for r in phase]):12.1%} {np.mean([r[2] for r in phase]):12.1%} "
              f"{np.mean([r[3] for r in phase]):9.3f} {np.mean([r[4] for r in phase]):9.3f} {deviation * 100:23.1f} pt")
    print(f"{'all':11} {len(rows):5d} {np.mean([r[1] for r in rows]):12.1%} {np.mean([r[2] for r in rows]):12.1%} "
          f"{np.mean([r[3] for r in rows]):9.3f} {np.mean([r[4] for r in rows]):9.3f}")


if __name__ == "__main__":
    main()
