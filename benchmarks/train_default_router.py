"""Train the shipped default router (``src/routed_llm/_default/``) from ``../shared/data``.

The recipe (:func:`fit_default`), chosen by ``benchmarks/generalization.py``:

- rows: the training rows of all five correctness sources of GPT-4-1106-preview vs
  Mixtral-8x7B (RouteLLM MMLU and GSM8K, RouterBench ARC-Challenge, MBPP, Winogrande; see
  ``pair_sources.py``), each source weighted equally so MMLU's 7k rows do not decide what
  "typical" means, plus :data:`trivial_turns.TRIVIAL_TURNS` (greetings, thanks,
  acknowledgements, with gain 0: any chat model answers them) weighted as one more source,
  and the two sets of ``task_priors.py`` weighted half a source each: simple asks (one
  fact, a light rewrite, a translation) with gain 0, and demanding ones (proofs, multi-step
  math, non-trivial code, structured extraction) with the highest per-source mean gain of
  the rows trained on;
- target: the strong model's gain (right minus wrong), pulled 60% towards its MMLU subject's
  or source's mean gain;
- model: :class:`~routed_llm.scorers.blend.BlendScorer` of two routers, equally weighted:
  a :class:`~routed_llm.scorers.token_embedding.TokenEmbeddingScorer` fitted as above (it
  knows which kinds of prompt need the strong model), and the previous default, a lexical
  router trained on MMLU and GSM8K only and distilled from a fine-tuned MiniLM (it knows MMLU
  subjects and GSM8K problems better than anything that runs this fast), read from git
  history (commit :data:`PREVIOUS_DEFAULT`, ``previous_default_recipe.py`` rebuilds it).
  Each router's score becomes its rank among the training traffic before averaging.

What was measured and not used (figures in benchmarks/README.md): AlpacaEval's preference
labels (they pull against correctness), the RouterDC / RouterBench / AlpacaEval multi-model
difficulty as a stacked feature (no held-out change), MiniLM's full six layers (no
held-out change, 100x slower in numpy).

    python benchmarks/train_default_router.py [--data ../shared/data] [--out src/routed_llm/_default]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from pair_sources import STRONG, WEAK, PairData, load_pair_data
from task_priors import DEMANDING_ASKS, SIMPLE_ASKS
from trivial_turns import TRIVIAL_TURNS

from routed_llm.evaluation.metrics import evaluate_scores
from routed_llm.scorers import load_scorer
from routed_llm.scorers.blend import BlendScorer
from routed_llm.scorers.lexical import LexicalScorer
from routed_llm.scorers.token_embedding import TokenEmbeddingScorer

PREVIOUS_DEFAULT = "8d41e97"
"""The last commit that shipped the lexical default (MMLU + GSM8K, distilled from a fine-tuned MiniLM)."""

TRIVIAL_SHARE = 1.0
"""Weight of the trivial turns, in sources (each correctness source weighs 1)."""
TASK_PRIOR_SHARE = 0.5
"""Weight of the simple asks, and of the demanding ones, in sources."""


def training_rows(data: PairData) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """Prompts, gains, groups and weights: every source weighs the same, the priors as set above."""
    prompts = list(data.gains.prompts)
    gains = np.asarray(data.gains.targets, dtype=np.float64)
    sources = np.asarray(data.gains.sources)
    groups = [subject or source for subject, source in zip(data.gains.groups, data.gains.sources, strict=True)]
    weights = np.empty(len(prompts))
    for source in np.unique(sources):
        weights[sources == source] = 1.0 / np.count_nonzero(sources == source)
    highest = max(float(gains[sources == source].mean()) for source in np.unique(sources))
    priors = ((TRIVIAL_TURNS, "trivial", 0.0, TRIVIAL_SHARE), (SIMPLE_ASKS, "simple", 0.0, TASK_PRIOR_SHARE),
              (DEMANDING_ASKS, "demanding", highest, TASK_PRIOR_SHARE))
    for rows, group, gain, share in priors:
        prompts += list(rows)
        gains = np.concatenate([gains, np.full(len(rows), gain)])
        groups += [group] * len(rows)
        weights = np.concatenate([weights, np.full(len(rows), share / len(rows))])
    return prompts, gains, groups, weights * len(weights) / weights.sum()


def previous_default(commit: str = PREVIOUS_DEFAULT) -> LexicalScorer:
    """The lexical default as shipped at ``commit`` (needs the repository's git history)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("config.json", "model.safetensors"):
            blob = subprocess.run(["git", "show", f"{commit}:src/routed_llm/_default/{name}"], capture_output=True,
                                  check=True, cwd=Path(__file__).resolve().parents[1]).stdout
            (Path(tmp) / name).write_bytes(blob)
        return load_scorer(tmp, allow_unverified=True)  # saved before artifacts carried digests


def fit_default(data: PairData, lexical: LexicalScorer) -> BlendScorer:
    """The default router's recipe; ``generalization.py`` re-runs it without each source in turn
    (the lexical member stays: it was trained on MMLU and GSM8K, so those two cannot be left out)."""
    prompts, gains, groups, weights = training_rows(data)
    kinds = TokenEmbeddingScorer().fit(prompts, gains, groups=groups, sample_weight=weights)
    return BlendScorer(weights=(0.5, 0.5)).fit([kinds, lexical], prompts, sample_weight=weights)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "src" / "routed_llm" / "_default"))
    args = parser.parse_args()

    data = load_pair_data(Path(args.data))
    priors = len(TRIVIAL_TURNS) + len(SIMPLE_ASKS) + len(DEMANDING_ASKS)
    print(f"{len(data.gains)} training rows + {priors} prior rows (task_priors.py, trivial_turns.py); held out: "
          + ", ".join(f"{name} {len(table)}" for name, table in data.held_out.items()))
    started = time.perf_counter()
    scorer = fit_default(data, previous_default())
    print(f"fitted in {time.perf_counter() - started:.1f}s")
    metrics: dict[str, dict[str, float]] = {}
    for name, table in data.held_out.items():
        result = evaluate_scores(scorer.score(list(table.prompts)), table, STRONG, WEAK)
        metrics[name] = {"apgr": round(result.apgr, 4), "cpt50": round(result.cpt50, 4), "n": len(table)}
        print(f"held-out {name}: APGR {result.apgr:.3f}  CPT(50%) {result.cpt50:.1%}  (n={len(table)})")
    path = scorer.save_pretrained(args.out, metadata={
        "description": "routed-llm default router: the equal blend (by rank among typical traffic) of a ridge "
                       "on MiniLM token embeddings + prompt shape, trained on the strong model's gain "
                       "(GPT-4-1106-preview vs Mixtral-8x7B) over RouteLLM MMLU and GSM8K and RouterBench "
                       "ARC-Challenge, MBPP and Winogrande (sources weighted equally) plus priors for trivial turns, "
                       "simple asks (gain 0) and demanding tasks (the highest source gain), and "
                       f"the previous lexical default (MMLU + GSM8K, commit {PREVIOUS_DEFAULT})",
        "strong": STRONG,
        "weak": WEAK,
        "training_rows": len(data.gains) + priors,
        "training_data_sha256": data.digest,
        "holdout": {"fraction": 0.25, "chat_fraction": 0.5, "seed": 0, "stratified_by": "MMLU subject"},
        "held_out_metrics": metrics,
    })
    size = sum(file.stat().st_size for file in Path(path).rglob("*") if file.is_file())
    print(f"saved to {path} ({size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
