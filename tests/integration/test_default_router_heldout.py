"""The shipped default router on RouteLLM rows it never trained on (needs ../shared/data).

The split is the one ``benchmarks/train_default_router.py`` held out (25% per MMLU subject
and of GSM8K, seed 0). The floors are the measured figures less a small margin: they catch
a regression or a default retrained on the wrong rows, and they sit above random (0.50)
and, on MMLU, above a TF-IDF + logistic-regression router (0.647 on this split;
``benchmarks/default_router_splits.py`` compares the two over many splits).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from routed_llm.evaluation.loaders import load_benchmark
from routed_llm.evaluation.metrics import evaluate_scores
from routed_llm.scorers.registry import resolve_scorer
from routed_llm.training.split import holdout_mask

STRONG = "gpt-4-1106-preview"
WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
DEFAULT_DIR = Path(__import__("routed_llm").__file__).parent / "_default"


def held_out(data: Path, name: str) -> object:
    table = load_benchmark(data)
    groups = list(table.domains) if table.domains is not None else [name] * len(table)
    return table.select(np.flatnonzero(holdout_mask(groups, 0.25, seed=0)))


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "relative", "min_apgr", "max_cpt50"),
    [("mmlu", "routellm/mmlu", 0.67, 0.28), ("gsm8k", "routellm/gsm8k/gsm8k_responses.csv", 0.62, 0.33)],
)
def test_default_router_on_held_out_rows(
    shared_data: Path, name: str, relative: str, min_apgr: float, max_cpt50: float
) -> None:
    table = held_out(shared_data / relative, name)
    scorer = resolve_scorer("default")
    metrics = evaluate_scores(scorer.score(list(table.prompts)), table, STRONG, WEAK)  # type: ignore[attr-defined]
    assert metrics.apgr >= min_apgr
    assert metrics.cpt50 <= max_cpt50
    recorded = json.loads((DEFAULT_DIR / "config.json").read_text())["metadata"]["held_out_metrics"][name]
    assert recorded["n"] == len(table)  # type: ignore[arg-type]
    assert metrics.apgr == pytest.approx(recorded["apgr"], abs=1e-3)


@pytest.mark.shared_data
def test_strong_share_holds_on_prompts_it_never_saw(shared_data: Path) -> None:
    """The shipped quantiles come from out-of-fold predictions, so a share asked for is the share sent."""
    prompts = [
        *held_out(shared_data / "routellm/mmlu", "mmlu").prompts,  # type: ignore[attr-defined]
        *held_out(shared_data / "routellm/gsm8k/gsm8k_responses.csv", "gsm8k").prompts,  # type: ignore[attr-defined]
    ]
    scorer = resolve_scorer("default")
    scores = scorer.score(prompts)
    for share in (0.1, 0.2, 0.3, 0.5, 0.8):
        achieved = float(np.mean(scores >= scorer.threshold_for_strong_share(share)))  # type: ignore[attr-defined]
        assert achieved == pytest.approx(share, abs=0.03), share
