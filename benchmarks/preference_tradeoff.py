"""What a judge's preference costs the correctness the default predicts, and the other way round.

AlpacaEval labels GPT-4-1106-preview against Mixtral-8x7B by a GPT-4-turbo judge's
*preference* on everyday chat instructions; the default router predicts the strong model's
gain in *correctness*. This script trains a token-embedding router on the preference labels
of AlpacaEval's training half (``pair_sources.py`` holds the other half out), blends it by
rank into the shipped default at growing weights, and prints, on held-out rows only, the
correctness figures (mixed pool, within MMLU and GSM8K), the AlpacaEval figure and the
everyday fixture's AUC, so the trade-off is measured rather than argued.

The preference router alone is what a user whose quality bar is a judge's taste would train
(``routed-llm train --router token_embedding --data alpaca_eval/gpt4_vs_mixtral.jsonl ...``,
see docs/training.md); it is an option, not the default.

    python benchmarks/preference_tradeoff.py [--data ../shared/data] [--draws 50]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from generalization import everyday, mixed_pool, within
from pair_sources import STRONG, WEAK, load_pair_data

from routed_llm.scorers import resolve_scorer
from routed_llm.scorers.blend import BlendScorer
from routed_llm.scorers.token_embedding import TokenEmbeddingScorer
from routed_llm.training.default_recipe import training_rows

WEIGHTS = (0.0, 0.1, 0.15, 0.2, 0.3)
"""Weights of the preference router in the blend (the default's two members share the rest equally)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--draws", type=int, default=50)
    args = parser.parse_args()
    data = load_pair_data(Path(args.data))

    train = data.chat_train
    preference = TokenEmbeddingScorer(group_smoothing=0.0).fit(list(train.prompts),
                                                               train.column(STRONG) - train.column(WEAK))
    default = resolve_scorer("default")
    prompts, _, _, weights = training_rows(data.gains)
    print("| router | mixed APGR | within MMLU | within GSM8K | AlpacaEval | everyday AUC |")
    print("|---|---|---|---|---|---|")
    routers = {"preference router alone": preference.score}
    for weight in WEIGHTS:
        shares = ((1.0 - weight) / 2, (1.0 - weight) / 2, weight)
        blend = BlendScorer(weights=shares).fit([*default.members_, preference], prompts, sample_weight=weights)
        routers[f"default + preference x {weight}"] = blend.score
    for label, score in routers.items():
        cells = (mixed_pool(score, data.held_out, args.draws)[0], within(score, data.held_out["mmlu"]),
                 within(score, data.held_out["gsm8k"]), within(score, data.held_out["alpaca"]), everyday(score)[0])
        print(f"| {label} | " + " | ".join(f"{value:.3f}" for value in cells) + " |", flush=True)
    print(f"\npreference router trained on {len(train)} AlpacaEval instructions; scored on "
          f"{len(data.held_out['alpaca'])} held out")


if __name__ == "__main__":
    main()
