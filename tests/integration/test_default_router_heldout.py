"""The shipped default router on benchmark rows it never trained on (needs ../shared/data).

The held-out rows are the ones ``benchmarks/pair_sources.py`` sets aside (25% of each
correctness source, stratified by MMLU subject; half of AlpacaEval). The figures recorded in
the artifact's metadata by ``benchmarks/train_default_router.py`` must be what the router
does on them; the floors (measured less a margin) sit above random on the sources the
default is meant to know.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from routed_llm.evaluation.metrics import evaluate_scores
from routed_llm.scorers.registry import resolve_scorer
from routed_llm.training.default_recipe import reference_mix

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
DEFAULT_DIR = Path(__import__("routed_llm").__file__).parent / "_default"
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
FLOORS = {"mmlu": 0.65, "gsm8k": 0.62, "winogrande": 0.56}
STRONG = "gpt-4-1106-preview"
WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"


@pytest.fixture(scope="module")
def pair_data() -> object:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"benchmark data not found at {SHARED_DATA} (../shared/data beside the repo)")
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from pair_sources import load_pair_data
    finally:
        sys.path.remove(str(BENCHMARKS))
    return load_pair_data(SHARED_DATA)


@pytest.mark.shared_data
@pytest.mark.slow
def test_default_router_on_held_out_rows(pair_data: object) -> None:
    scorer = resolve_scorer("default")
    recorded = json.loads((DEFAULT_DIR / "config.json").read_text())["metadata"]["held_out_metrics"]
    for name, table in pair_data.held_out.items():  # type: ignore[attr-defined]
        metrics = evaluate_scores(scorer.score(list(table.prompts)), table, STRONG, WEAK)
        assert recorded[name]["n"] == len(table), name
        assert metrics.apgr == pytest.approx(recorded[name]["apgr"], abs=1e-3), name
        assert metrics.apgr >= FLOORS.get(name, 0.0), name


@pytest.mark.shared_data
@pytest.mark.slow
def test_strong_share_holds_on_assistant_traffic_it_never_saw(pair_data: object) -> None:
    """The shipped quantiles come from the reference assistant mix (AlpacaEval's training-half
    instructions, trivial turns and simple asks, ``REFERENCE_SHARES``), so a share asked for is
    the share sent on the same mix with AlpacaEval's held-out half in place of its training half."""
    instructions = list(pair_data.held_out["alpaca"].prompts)  # type: ignore[attr-defined]
    prompts, weights = reference_mix(instructions)
    scorer = resolve_scorer("default")
    scores = scorer.score(prompts)
    for share in (0.1, 0.3, 0.5, 0.8):
        strong = scores >= scorer.threshold_for_strong_share(share)  # type: ignore[attr-defined]
        assert float(np.average(strong, weights=weights)) == pytest.approx(share, abs=0.08), share
