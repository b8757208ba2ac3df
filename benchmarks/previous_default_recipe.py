"""Rebuild the previous default router, the lexical member of today's default, from ``../shared/data``.

It shipped alone until commit 8d41e97; ``train_default_router.py`` now blends it with a
token-embedding router trained on every source.

The data are RouteLLM's published per-prompt results (GPT-4-1106-preview vs
Mixtral-8x7B-Instruct) for MMLU (57 subject files) and GSM8K; download them from
https://github.com/lm-sys/RouteLLM (``routellm/evals/mmlu/responses/`` and
``routellm/evals/gsm8k/``). A seeded 25% of each (stratified by MMLU subject) is held out
and never trained on; the held-out APGR / CPT(50%) are printed and written into the
artifact's metadata.

The recipe is distillation: a MiniLM fine-tuned on the training rows (the ``bert`` router,
11 ms a prompt) scores them, and the lexical ridge (microseconds a prompt) learns from its
scores and the labels half and half. The teacher is trained once (about 16 min on 2 CPU
cores; needs the ``torch`` and ``minilm`` extras) and kept in ``--teacher``; a later run
reuses it if it was trained on the same rows.

    python benchmarks/previous_default_recipe.py [--data ../shared/data] [--out build/previous-default]
        [--teacher build/teachers/seed-0]
"""

from __future__ import annotations

import argparse
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from routed_llm.artifacts import read_config
from routed_llm.data.battles import battle_classes
from routed_llm.data.table import BenchmarkTable
from routed_llm.evaluation.loaders import load_benchmark
from routed_llm.evaluation.metrics import evaluate_scores
from routed_llm.scorers.lexical import LexicalScorer
from routed_llm.training.split import holdout_mask

if TYPE_CHECKING:
    from routed_llm.scorers.bert import BertScorer

STRONG = "gpt-4-1106-preview"
WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
SEED = 0
HOLDOUT = 0.25
SOURCES = {"mmlu": "routellm/mmlu", "gsm8k": "routellm/gsm8k/gsm8k_responses.csv"}
TEACHER = {"checkpoint": "minilm", "epochs": 2, "max_length": 128, "batch_size": 16, "seed": 0}
TEACHER_WEIGHT = 0.5


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


def teacher_for(split: Split, directory: Path) -> BertScorer:
    """The fine-tuned MiniLM the default learns from, loaded from ``directory`` when one trained on
    this split's rows is there, else trained and saved there."""
    from routed_llm.scorers.bert import BertScorer

    if (directory / "config.json").is_file():
        trained_on = read_config(directory)["metadata"].get("training_data_sha256")
        if trained_on != split.digest:
            raise SystemExit(f"{directory}: this teacher was trained on other rows ({trained_on}); "
                             f"pass another --teacher directory")
        return BertScorer.from_pretrained(directory)
    print(f"training the teacher into {directory} (about 16 min on 2 CPU cores)", flush=True)
    teacher = BertScorer(**TEACHER).fit(split.prompts, battle_classes(split.gains))
    teacher.save_pretrained(directory, metadata={"training_data_sha256": split.digest, "strong": STRONG, "weak": WEAK})
    return teacher


def fit_default(split: Split, teacher_scores: np.ndarray, teacher_weight: float = TEACHER_WEIGHT) -> LexicalScorer:
    """The default router's recipe; ``default_router_splits.py`` re-runs it on other splits."""
    return LexicalScorer(teacher_weight=teacher_weight).fit(split.prompts, split.gains, groups=split.groups,
                                                            teacher_scores=teacher_scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "build" / "previous-default"))
    parser.add_argument("--teacher", default=str(Path(__file__).resolve().parents[1] / "build" / "teachers" / "seed-0"),
                        help="where the teacher is kept (trained there when absent; default: %(default)s)")
    args = parser.parse_args()

    split = load_split(Path(args.data))
    print(f"{len(split.prompts)} training rows; held out: "
          + ", ".join(f"{name} {len(table)}" for name, table in split.held_out.items()))

    teacher = teacher_for(split, Path(args.teacher))
    started = time.perf_counter()
    teacher_scores = teacher.score(split.prompts)
    print(f"teacher scored the training rows in {time.perf_counter() - started:.0f}s")
    started = time.perf_counter()
    scorer = fit_default(split, teacher_scores)
    print(f"fitted in {time.perf_counter() - started:.1f}s")

    metrics: dict[str, dict[str, float]] = {}
    teacher_metrics: dict[str, dict[str, float]] = {}
    for name, table in split.held_out.items():
        for label, router, into in (("default", scorer, metrics), ("teacher", teacher, teacher_metrics)):
            result = evaluate_scores(router.score(list(table.prompts)), table, STRONG, WEAK)
            into[name] = {"apgr": round(result.apgr, 4), "cpt50": round(result.cpt50, 4), "n": len(table)}
            print(f"held-out {name} {label}: APGR {result.apgr:.3f}  CPT(50%) {result.cpt50:.1%}  (n={len(table)})")

    path = scorer.save_pretrained(args.out, metadata={
        "description": "routed-llm default router: ridge on hashed word 1-2-grams, trained on RouteLLM "
                       "MMLU + GSM8K golden labels (GPT-4-1106-preview vs Mixtral-8x7B-Instruct) mixed "
                       "with the scores of a MiniLM fine-tuned on the same rows",
        "strong": STRONG,
        "weak": WEAK,
        "training_rows": len(split.prompts),
        "training_data_sha256": split.digest,
        "holdout": {"fraction": HOLDOUT, "seed": SEED, "stratified_by": "MMLU subject"},
        "held_out_metrics": metrics,
        "teacher": {**TEACHER, "router": "bert", "weight": TEACHER_WEIGHT, "held_out_metrics": teacher_metrics},
    })
    size = sum(file.stat().st_size for file in Path(path).iterdir())
    print(f"saved to {path} ({size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
