"""Train the shipped default router (``src/routed_llm/_default/``) from ``../shared/data``.

The recipe lives in the package (:mod:`routed_llm.training.default_recipe`, its priors in
:mod:`routed_llm.training.default_priors`); this script loads the data and saves the result as
a ``DefaultRouter`` (scorer name ``default``) with the digests of every prompt it learned from
(``assets/training_prompts.safetensors``, so ``routed-llm eval`` warns on overlapping rows). It
is the one way to rebuild the artifact: ``--out`` is replaced as a whole, so no file of an
earlier layout stays behind. It learns from:

- the training rows of all five correctness sources of GPT-4-1106-preview vs Mixtral-8x7B
  (RouteLLM MMLU and GSM8K, RouterBench ARC-Challenge, MBPP, Winogrande; see
  ``pair_sources.py``) and the priors, for the correctness part;
- the hand-written everyday asks, the priors and the benchmark rows, for the ask-kind part;
- the training half of AlpacaEval's instructions, for the reference mix scores are ranked in;
- the previous default, a lexical router trained on MMLU and GSM8K only and distilled from a
  fine-tuned MiniLM, read from git history (commit :data:`PREVIOUS_DEFAULT`;
  ``previous_default_recipe.py`` rebuilds it).

What was measured and not used (figures in benchmarks/README.md): AlpacaEval's preference
labels (they pull against correctness), the RouterDC / RouterBench / AlpacaEval multi-model
difficulty as a stacked feature (no held-out change), MiniLM's full six layers (no
held-out change, 100x slower in numpy; for the ask kind, no better than its token embeddings).

    python benchmarks/train_default_router.py [--data ../shared/data] [--out src/routed_llm/_default]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from pair_sources import STRONG, WEAK, load_pair_data

from routed_llm.artifacts import read_training_prompts
from routed_llm.evaluation.metrics import evaluate_scores
from routed_llm.scorers import load_scorer
from routed_llm.scorers.lexical import LexicalScorer
from routed_llm.training.default_priors import DEMANDING_ASKS, SIMPLE_ASKS, TRIVIAL_TURNS, everyday_asks
from routed_llm.training.default_recipe import REFERENCE_SHARES, fit_default, recorded_prompts

PREVIOUS_DEFAULT = "8d41e97"
"""The last commit that shipped the lexical default (MMLU + GSM8K, distilled from a fine-tuned MiniLM)."""


def previous_default(commit: str = PREVIOUS_DEFAULT) -> LexicalScorer:
    """The lexical default as shipped at ``commit`` (needs the repository's git history)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("config.json", "model.safetensors"):
            blob = subprocess.run(["git", "show", f"{commit}:src/routed_llm/_default/{name}"], capture_output=True,
                                  check=True, cwd=Path(__file__).resolve().parents[1]).stdout
            (Path(tmp) / name).write_bytes(blob)
        return load_scorer(tmp, allow_unverified=True)  # saved before artifacts carried digests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "src" / "routed_llm" / "_default"))
    args = parser.parse_args()

    data = load_pair_data(Path(args.data))
    priors = len(TRIVIAL_TURNS) + len(SIMPLE_ASKS) + len(DEMANDING_ASKS) + len(everyday_asks()[0])
    print(f"{len(data.gains)} training rows + {priors} prior rows (routed_llm.training.default_priors); held out: "
          + ", ".join(f"{name} {len(table)}" for name, table in data.held_out.items()))
    started = time.perf_counter()
    scorer = fit_default(data.gains, list(data.chat_train.prompts), previous_default())
    print(f"fitted in {time.perf_counter() - started:.1f}s")
    metrics: dict[str, dict[str, float]] = {}
    for name, table in data.held_out.items():
        result = evaluate_scores(scorer.score(list(table.prompts)), table, STRONG, WEAK)
        metrics[name] = {"apgr": round(result.apgr, 4), "cpt50": round(result.cpt50, 4), "n": len(table)}
        print(f"held-out {name}: APGR {result.apgr:.3f}  CPT(50%) {result.cpt50:.1%}  (n={len(table)})")
    out = Path(args.out)
    if out.exists() and not (out / "config.json").is_file():
        raise SystemExit(f"{out} exists and holds no router; give an empty or new --out")
    staging = Path(tempfile.mkdtemp(prefix="default-router-"))
    scorer.save_pretrained(staging, training_prompts=recorded_prompts(data.gains), metadata={
        "description": "routed-llm default router: an ask-kind classifier (ridge on MiniLM token embeddings of "
                       "the prompt and of its instruction; easy vs demanding asks, benchmark rows as demanding) "
                       "weighted 4 to 1 with a correctness blend (a ridge on MiniLM token embeddings + prompt "
                       "shape trained on the strong model's gain, GPT-4-1106-preview vs Mixtral-8x7B, over "
                       "RouteLLM MMLU and GSM8K and RouterBench ARC-Challenge, MBPP and Winogrande plus priors, "
                       f"and the previous lexical default, commit {PREVIOUS_DEFAULT}), ranked among assistant "
                       "traffic: " + ", ".join(f"{share:.0%} {name}" for name, share in REFERENCE_SHARES.items())
                       + " (AlpacaEval instructions, training half)",
        "strong": STRONG,
        "weak": WEAK,
        "training_rows": len(data.gains) + priors,
        "training_data_sha256": data.digest,
        "holdout": {"fraction": 0.25, "chat_fraction": 0.5, "seed": 0, "stratified_by": "MMLU subject"},
        "held_out_metrics": metrics,
    })
    shutil.rmtree(out, ignore_errors=True)
    shutil.move(staging, out)
    size = sum(file.stat().st_size for file in out.rglob("*") if file.is_file())
    print(f"saved to {out} ({size / 1e6:.2f} MB; {len(read_training_prompts(out))} distinct training prompts "
          "recorded)")


if __name__ == "__main__":
    main()
