"""Every published source of GPT-4-1106-preview vs Mixtral-8x7B results in ``../shared/data``, split once.

Shared by ``train_default_router.py`` (what the default learns from) and ``generalization.py``
(what it is judged on), so both read the same held-out rows:

- five *correctness* sources, the default's objective (gain = strong right - weak right):
  RouteLLM MMLU and GSM8K, RouterBench ARC-Challenge, MBPP and Winogrande;
- AlpacaEval everyday chat, judged head to head (preference, not correctness): a floor check;
- *auxiliary* sources that never hold the pair but say how hard a prompt is for many models:
  RouterDC's 7 open models (MMLU, GSM8K, ARC-Easy/Challenge, CMMLU, HumanEval), RouterBench's
  other models on the same rows, and AlpacaEval's 49 models against GPT-4-1106.

Held-out rows are a seeded 25% of each correctness source (MMLU stratified by subject, the
same rows the previous default held out) and half of AlpacaEval. Auxiliary rows whose text
is a held-out prompt of any source are dropped, so no held-out question leaks in through
another file. ``without`` removes one source everywhere it appears (its RouterDC and
RouterBench rows too), for the leave-one-source-out runs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from routed_llm.data import BenchmarkTable
from routed_llm.evaluation.loaders import load_benchmark
from routed_llm.training.split import holdout_mask

STRONG = "gpt-4-1106-preview"
WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
ROUTERBENCH_WEAK = "mistralai/mixtral-8x7b-chat"
SEED = 0
HOLDOUT = 0.25
CHAT_HOLDOUT = 0.5

CORRECTNESS = {
    "mmlu": ("routellm/mmlu", WEAK),
    "gsm8k": ("routellm/gsm8k/gsm8k_responses.csv", WEAK),
    "arc": ("routerbench/arc_challenge_train.csv", ROUTERBENCH_WEAK),
    "mbpp": ("routerbench/mbpp_train.csv", ROUTERBENCH_WEAK),
    "winogrande": ("routerbench/winograde_train.csv", ROUTERBENCH_WEAK),
}
CHAT = ("alpaca_eval/gpt4_vs_mixtral.jsonl", WEAK)
CHAT_MODELS = "alpaca_eval/models_vs_gpt4_1106.jsonl"
# RouterDC file -> the correctness source it is a copy of (None: a source of its own).
ROUTERDC = {
    "mmlu_train.json": "mmlu",
    "cmmlu_train.json": "mmlu",
    "gsm8k-train.json": "gsm8k",
    "arc_challenge_train.json": "arc",
    "arc_easy_train.json": "arc",
    "humaneval_train.json": None,
}


@dataclass
class Rows:
    """Prompts with a target, the source each came from and its group within the source ("" if none)."""

    prompts: list[str] = field(default_factory=list)
    targets: list[float] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    def add(self, prompts: list[str], targets: np.ndarray, source: str, groups: list[str] | None = None) -> None:
        self.prompts.extend(prompts)
        self.targets.extend(float(t) for t in targets)
        self.sources.extend([source] * len(prompts))
        self.groups.extend(groups if groups is not None else [""] * len(prompts))

    def __len__(self) -> int:
        return len(self.prompts)


@dataclass
class PairData:
    """The training rows (pair gains, auxiliary difficulty), the held-out tables per source, and
    AlpacaEval's training half (preference labels: never in the default's training rows)."""

    gains: Rows
    difficulty: Rows
    held_out: dict[str, BenchmarkTable]
    digest: str
    chat_train: BenchmarkTable

    def without(self, source: str) -> PairData:
        """The same data with every training row of ``source`` removed (held-out tables unchanged)."""
        return PairData(_drop(self.gains, source), _drop(self.difficulty, source), self.held_out,
                        self.digest + f"-without-{source}", self.chat_train)


def _drop(rows: Rows, source: str) -> Rows:
    kept = Rows()
    for prompt, target, origin, group in zip(rows.prompts, rows.targets, rows.sources, rows.groups, strict=True):
        if origin.split(":")[-1] != source:
            kept.add([prompt], np.array([target]), origin, [group])
    return kept


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()[:200]


def _groups(table: BenchmarkTable, name: str) -> list[str]:
    return list(table.domains) if table.domains is not None else [name] * len(table)


def load_pair_data(data: Path, seed: int = SEED) -> PairData:
    """Read every source, hold out rows per source, and pool the rest as training rows."""
    gains, difficulty = Rows(), Rows()
    held_out: dict[str, BenchmarkTable] = {}
    held_keys: set[str] = set()
    digest = hashlib.sha256()
    pair_tables: dict[str, tuple[BenchmarkTable, np.ndarray]] = {}
    for name, (relative, weak) in {**CORRECTNESS, "alpaca": CHAT}.items():
        table = load_benchmark(data / relative)
        fraction = CHAT_HOLDOUT if name == "alpaca" else HOLDOUT
        test = holdout_mask(_groups(table, name), fraction, seed)
        held = table.select(np.flatnonzero(test))
        if weak != WEAK:
            held = _rename(held, {weak: WEAK})
        held_out[name] = held
        held_keys.update(_key(p) for p in held.prompts)
        pair_tables[name] = (table, test)
        if name != "alpaca":
            train = table.select(np.flatnonzero(~test))
            gains.add(list(train.prompts), train.column(STRONG) - train.column(weak), name,
                      list(train.domains) if train.domains is not None else None)
            for prompt in train.prompts:
                digest.update(prompt.encode("utf-8", "replace"))
            # The other models RouterBench ran on the same rows: how many of them fail a prompt.
            if relative.startswith("routerbench"):
                others = [m for m in train.models if m not in (STRONG, weak)]
                difficulty.add(list(train.prompts), 1.0 - train.quality[:, [train.models.index(m) for m in others]]
                               .mean(axis=1), f"routerbench:{name}")
    for file, source in ROUTERDC.items():
        table = load_benchmark(data / "routerdc" / file)
        keep = [i for i, p in enumerate(table.prompts) if _key(p) not in held_keys]
        table = table.select(keep)
        difficulty.add(list(table.prompts), 1.0 - table.quality.mean(axis=1),
                       f"routerdc:{source or file.split('_')[0]}")
    chat_table, chat_test = pair_tables["alpaca"]
    chat_models = load_benchmark(data / CHAT_MODELS)
    train_keys = {_key(p) for p, held in zip(chat_table.prompts, chat_test, strict=True) if not held}
    keep = [i for i, p in enumerate(chat_models.prompts) if _key(p) in train_keys]
    chat_models = chat_models.select(keep)
    # GPT-4-1106's preference over each of 49 models: how often a cheaper model falls short on it.
    quality = np.where(np.isfinite(chat_models.quality), chat_models.quality, np.nan)
    difficulty.add(list(chat_models.prompts), 1.0 - np.nanmean(quality, axis=1), "alpaca_models:alpaca")
    return PairData(gains, difficulty, held_out, digest.hexdigest(), chat_table.select(np.flatnonzero(~chat_test)))


def _rename(table: BenchmarkTable, names: dict[str, str]) -> BenchmarkTable:
    return BenchmarkTable(prompts=list(table.prompts), models=[names.get(m, m) for m in table.models],
                          quality=table.quality, costs=table.costs, domains=table.domains, source=table.source,
                          ids=table.ids)
