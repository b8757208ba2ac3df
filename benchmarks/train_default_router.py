"""Reproduce the shipped default router (``src/routed_llm/_default/``) from ``../shared/data``.

The data are RouteLLM's published per-prompt results (GPT-4-1106-preview vs
Mixtral-8x7B-Instruct) for MMLU (57 subject files) and GSM8K; download them from
https://github.com/lm-sys/RouteLLM (``routellm/evals/mmlu/responses/`` and
``routellm/evals/gsm8k/``). A seeded 25% of each (stratified by MMLU subject) is held out
and never trained on; the held-out APGR / CPT(50%) are printed and written into the
artifact's metadata.

    python benchmarks/train_default_router.py [--data ../shared/data] [--out src/routed_llm/_default]
"""

from __future__ import annotations

import argparse
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routed_llm.evaluation.loaders import load_benchmark
from routed_llm.evaluation.metrics import evaluate_scores
from routed_llm.evaluation.table import BenchmarkTable
from routed_llm.scorers.lexical import LexicalScorer
from routed_llm.training.split import holdout_mask

STRONG = "gpt-4-1106-preview"
WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
SEED = 0
HOLDOUT = 0.25
SOURCES = {"mmlu": "routellm/mmlu", "gsm8k": "routellm/gsm8k/gsm8k_responses.csv"}


def groups_of(table: BenchmarkTable, name: str) -> list[str]:
    """MMLU rows are grouped by subject; a single-file benchmark is one group."""
    return list(table.domains) if table.domains is not None else [name] * len(table)


@dataclass
class Split:
    """One seeded split of RouteLLM's MMLU + GSM8K: the training rows pooled, the held-out rows per file."""

    prompts: list[str]
    gains: np.ndarray
    groups: list[str]
    held_out: dict[str, BenchmarkTable]
    digest: str


def load_split(data: Path, seed: int = SEED) -> Split:
    """Hold out a seeded ``HOLDOUT`` share of each file (stratified by MMLU subject) and pool the rest."""
    prompts: list[str] = []
    gains: list[np.ndarray] = []
    groups: list[str] = []
    held_out: dict[str, BenchmarkTable] = {}
    digest = hashlib.sha256()
    for name, relative in SOURCES.items():
        table = load_benchmark(data / relative)
        table_groups = groups_of(table, name)
        test = holdout_mask(table_groups, HOLDOUT, seed)
        train_rows = np.flatnonzero(~test)
        held_out[name] = table.select(np.flatnonzero(test))
        train = table.select(train_rows)
        prompts.extend(train.prompts)
        gains.append(train.column(STRONG) - train.column(WEAK))
        groups.extend(table_groups[i] for i in train_rows)
        for prompt in train.prompts:
            digest.update(prompt.encode("utf-8", "replace"))
    return Split(prompts, np.concatenate(gains), groups, held_out, digest.hexdigest())


def fit_default(split: Split) -> LexicalScorer:
    """The default router's recipe; ``default_router_splits.py`` re-runs it on other splits."""
    return LexicalScorer().fit(split.prompts, split.gains, groups=split.groups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "src" / "routed_llm" / "_default"))
    args = parser.parse_args()

    split = load_split(Path(args.data))
    print(f"{len(split.prompts)} training rows; held out: "
          + ", ".join(f"{name} {len(table)}" for name, table in split.held_out.items()))

    started = time.perf_counter()
    scorer = fit_default(split)
    print(f"fitted in {time.perf_counter() - started:.1f}s")

    metrics = {}
    for name, table in split.held_out.items():
        result = evaluate_scores(scorer.score(list(table.prompts)), table, STRONG, WEAK)
        metrics[name] = {"apgr": round(result.apgr, 4), "cpt50": round(result.cpt50, 4), "n": len(table)}
        print(f"held-out {name}: APGR {result.apgr:.3f}  CPT(50%) {result.cpt50:.1%}  (n={len(table)})")

    path = scorer.save_pretrained(args.out, metadata={
        "description": "routed-llm default router: ridge on hashed word 1-2-grams, trained on RouteLLM "
                       "MMLU + GSM8K golden labels (GPT-4-1106-preview vs Mixtral-8x7B-Instruct)",
        "strong": STRONG,
        "weak": WEAK,
        "training_rows": len(split.prompts),
        "training_data_sha256": split.digest,
        "holdout": {"fraction": HOLDOUT, "seed": SEED, "stratified_by": "MMLU subject"},
        "held_out_metrics": metrics,
    })
    size = sum(file.stat().st_size for file in Path(path).iterdir())
    print(f"saved to {path} ({size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
