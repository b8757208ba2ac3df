"""Train routed-llm's N-model router on the RouterBench training files and save it.

All three tasks (ARC-Challenge, MBPP, Winogrande) are learned together; the task model
inside the router recognises them. The saved directory works wherever a router spec does::

    python benchmarks/train_routerbench.py --out routers/routerbench
    routed-llm eval --data ../shared/data/routerbench/mbpp_train.csv --models all \\
        --router zero --router oracle --router routers/routerbench --json mbpp.json

``--held-out F --seed S`` leaves out the same seeded rows as ``routerbench_heldout.py``, so
the saved router can be evaluated on rows it never saw (their ``sample_id`` values are
written to ``held_out_ids.json`` next to the router).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from routed_llm.evaluation.loaders import load_benchmark
from routed_llm.scorers.multi import EnsembleQualityPredictor

_DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "routerbench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(_DEFAULT_DATA), help="RouterBench CSV file or directory")
    parser.add_argument("--out", required=True, metavar="DIR", help="where to save the router")
    parser.add_argument("--encoder", default="minilm", help="encoder spec (default: the bundled MiniLM)")
    parser.add_argument("--held-out", type=float, default=0.0, metavar="F", help="fraction of rows to leave out")
    parser.add_argument("--seed", type=int, default=7, help="seed of the held-out split")
    args = parser.parse_args()
    if not Path(args.data).exists():
        print(f"no RouterBench data at {args.data}", file=sys.stderr)
        return 2
    table = load_benchmark(args.data, format="routerbench")
    order = np.random.default_rng(args.seed).permutation(len(table))
    held = np.zeros(len(table), dtype=bool)
    held[order[: int(round(args.held_out * len(table)))]] = True
    train = table.select(np.flatnonzero(~held))
    started = time.perf_counter()
    router = EnsembleQualityPredictor(encoder=args.encoder).fit_table(train)
    out = router.save_pretrained(args.out, metadata={
        "data": "RouterBench (arc_challenge, mbpp, winogrande training files)",
        "train_rows": len(train), "held_out": args.held_out, "seed": args.seed,
    })
    if args.held_out > 0 and table.ids is not None:
        (out / "held_out_ids.json").write_text(json.dumps([table.ids[i] for i in np.flatnonzero(held)]))
    print(f"trained on {len(train)} rows in {time.perf_counter() - started:.0f} s; saved to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
