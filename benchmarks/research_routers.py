"""Held-out APGR / CPT(50%) of the research routers (BERT, Hybrid LLM x3, causal LLM).

For MMLU and GSM8K (RouteLLM's published GPT-4 / Mixtral correctness in ../shared/data),
a seeded 25% of the rows is held out: 25% of each MMLU subject and of GSM8K, the rows the
default router and ``routed-llm train`` hold out, so the table in benchmarks/README.md compares routers on
the same rows. Each router is trained on the rest with golden labels from correctness,
saved, and scored on the held-out rows. The held-out rows are
also written as a RouteLLM CSV next to the saved routers, so every figure can be
reproduced with ``routed-llm eval --data OUT/<bench>/heldout.csv --router OUT/<bench>/<router>``.

- ``bert``: bundled MiniLM fine-tuned on strong/tie/weak (strong wins when only the strong
  model is right, weak wins in the reverse case, tie otherwise) on every training row, 1
  epoch, max_length 128: about 6 minutes on MMLU on a 2-core CPU. ``--bert-train N`` trains
  on a seeded sample of N rows instead (1,000 rows: about 1 minute, and an APGR that moves by
  a few hundredths with the sample).
- ``hybrid-det`` / ``hybrid-prob`` / ``hybrid-trans``: frozen MiniLM embeddings + MLP on
  Hybrid LLM's labels with quality = correctness (one response per model, so r_prob equals
  r_det and r_trans picks t = 0 here: the schemes only differ on graded or sampled qualities);
  every training row (``--hybrid-train-rows N`` samples N); the prompts are embedded once and
  the embeddings shared by the three schemes.
- ``causal_llm``: no instruction-tuned LLM is reachable offline, so it runs against the
  loopback fake provider answering a fixed rating distribution; its figure checks the
  pipeline end to end and is expected to be ~0.5, not a measure of the method.

Run: ``LITELLM_LOCAL_MODEL_COST_MAP=True .venv/bin/python benchmarks/research_routers.py --out /tmp/research``
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from previous_default_recipe import groups_of

from routed_llm.data.battles import battle_classes
from routed_llm.data.table import BenchmarkTable
from routed_llm.evaluation import evaluate_scores, load_benchmark
from routed_llm.training.split import holdout_mask

STRONG = "gpt-4-1106-preview"
WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
BENCHMARKS = {"mmlu": "routellm/mmlu", "gsm8k": "routellm/gsm8k/gsm8k_responses.csv"}
MINILM_128 = {"type": "transformers", "model": "minilm", "max_length": 128}
ROUTERS = ("bert", "hybrid-det", "hybrid-prob", "hybrid-trans", "causal_llm")


def split(table: BenchmarkTable, name: str, seed: int, held_out: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """The split of ``previous_default_recipe.py`` and ``routed-llm train``: 25% of each MMLU subject (of GSM8K)."""
    test = holdout_mask(groups_of(table, name), held_out, seed)
    return np.flatnonzero(~test), np.flatnonzero(test)


def write_heldout(table: BenchmarkTable, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", WEAK, STRONG])
        for prompt, weak, strong in zip(table.prompts, table.column(WEAK), table.column(STRONG), strict=True):
            writer.writerow([prompt, str(bool(weak)), str(bool(strong))])


def train_bert(train: BenchmarkTable, args: argparse.Namespace) -> Any:
    from routed_llm.scorers.bert import BertScorer

    rows = np.random.default_rng(args.seed).permutation(len(train))[: args.bert_train]
    subset = train.select(np.sort(rows))
    scorer = BertScorer("minilm", epochs=1, max_length=128, batch_size=16, seed=args.seed)
    return scorer.fit(list(subset.prompts), battle_classes(subset.column(STRONG) - subset.column(WEAK)))


def hybrid_trainer(scheme: str) -> Callable[[BenchmarkTable, argparse.Namespace], Any]:
    def train(table: BenchmarkTable, args: argparse.Namespace) -> Any:
        from routed_llm.scorers.hybrid import HybridScorer

        rows, embeddings = args.hybrid_train
        subset = table.select(rows)
        scorer = HybridScorer(MINILM_128, label_scheme=scheme, seed=args.seed)  # type: ignore[arg-type]
        return scorer.fit(list(subset.prompts), subset.column(WEAK), subset.column(STRONG), embeddings=embeddings)

    return train


def train_causal_llm(train: BenchmarkTable, args: argparse.Namespace) -> Any:
    from routed_llm.scorers.causal_llm import CausalLLMScorer

    scorer = CausalLLMScorer("openai/rater", api_base=args.fake.base_url, api_key="fake", calibration_size=64,
                             max_concurrency=8, num_retries=0)
    return scorer.fit(list(train.prompts))


TRAINERS: Mapping[str, Callable[[BenchmarkTable, argparse.Namespace], Any]] = {
    "bert": train_bert,
    "hybrid-det": hybrid_trainer("det"),
    "hybrid-prob": hybrid_trainer("prob"),
    "hybrid-trans": hybrid_trainer("trans"),
    "causal_llm": train_causal_llm,
}


def fake_rating(body: Mapping[str, Any]) -> Any:
    """A fake rater: rating 3 with logprobs spread by a hash of the prompt (no real signal)."""
    from routed_llm.testing import FakeReply

    digest = sum(body["messages"][-1]["content"].encode()) % 7
    top = [{"token": str(r), "logprob": -abs(r - 3 - (digest - 3) / 3)} for r in range(1, 6)]
    return FakeReply(content="3", logprobs=[{"token": "3", "logprob": top[2]["logprob"], "top_logprobs": top}])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default="../shared/data", type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--routers", nargs="+", default=list(ROUTERS), choices=ROUTERS)
    parser.add_argument("--benchmarks", nargs="+", default=list(BENCHMARKS), choices=list(BENCHMARKS))
    parser.add_argument("--bert-train", type=int, help="train bert on a seeded sample of this many rows (default: all)")
    parser.add_argument("--hybrid-train-rows", type=int, help="train hybrid on a seeded sample (default: all rows)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from routed_llm.testing import FakeProvider

    results: list[tuple[str, str, float, float, float]] = []
    with FakeProvider(fake_rating) as fake:
        args.fake = fake
        for bench in args.benchmarks:
            table = load_benchmark(args.data_root / BENCHMARKS[bench])
            train_rows, held_rows = split(table, bench, args.seed)
            train, held = table.select(train_rows), table.select(held_rows)
            write_heldout(held, args.out / bench / "heldout.csv")
            held_embeddings = None
            if any(r.startswith("hybrid") for r in args.routers):
                from routed_llm.scorers.hybrid import HybridScorer

                started = time.perf_counter()
                encoder = HybridScorer(MINILM_128)
                rows = np.sort(np.random.default_rng(args.seed).permutation(len(train))[: args.hybrid_train_rows])
                args.hybrid_train = (rows, encoder.embed(list(train.select(rows).prompts)))
                held_embeddings = encoder.embed(list(held.prompts))
                print(f"[{bench}] embedded {len(rows) + len(held)} prompts in {time.perf_counter() - started:.0f}s")
            for name in args.routers:
                started = time.perf_counter()
                scorer = TRAINERS[name](train, args)
                trained = time.perf_counter() - started
                scorer.save_pretrained(args.out / bench / name)
                if name.startswith("hybrid"):  # the held-out embeddings are shared by the three schemes
                    scores = 1.0 - scorer.predict_small_ok(list(held.prompts), embeddings=held_embeddings)
                else:
                    scores = scorer.score(list(held.prompts))
                metrics = evaluate_scores(scores, held, STRONG, WEAK)
                results.append((bench, name, metrics.apgr, metrics.cpt50, trained))
                print(f"[{bench}] {name:13s} APGR {metrics.apgr:.3f}  CPT(50%) {metrics.cpt50:.1%}  "
                      f"trained in {trained:.0f}s", flush=True)
    print(f"\nseed {args.seed}, held-out 25% (MMLU and GSM8K rows as in {args.data_root})\n")
    print("| benchmark | router | held-out APGR | held-out CPT(50%) | CPU training time |")
    print("| --- | --- | --- | --- | --- |")
    for bench, name, apgr, cpt50, trained in results:
        print(f"| {bench} | {name} | {apgr:.3f} | {cpt50:.1%} | {trained:.0f} s |")


if __name__ == "__main__":
    main()
