"""Does the MiniLM encoder earn its place in the default router? Depth against quality and speed.

The default's token-embedding member averages MiniLM's *embedding layer* (no transformer
block). This script trains the same recipe (``routed_llm.training.default_recipe.training_rows``, the
same ridge, the same ranks) on the mean-pooled output of MiniLM after 0, 2 and 6 of its
layers, and prints side by side the held-out APGR (mixed pool, MMLU, GSM8K, AlpacaEval),
the everyday-fixture AUC, and the numpy encoder's speed at that depth (one prompt p50,
batched prompts/s on the held-out prompts).

Quality features are computed with torch (the ``torch`` and ``minilm`` extras; about 10 min
on 2 CPU cores for the 20k prompts), speed with the numpy encoder the router would ship.

    python benchmarks/encoder_depth.py [--data ../shared/data] [--depths 0 2 6]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from generalization import FIXTURE, everyday, mixed_pool, within
from pair_sources import load_pair_data

from routed_llm.encoders.numpy_bert import NumpyBert
from routed_llm.encoders.transformers import resolve_model_path
from routed_llm.scorers.token_embedding import TokenEmbeddingScorer, prompt_shape
from routed_llm.training.default_recipe import training_rows


def torch_embeddings(texts: Sequence[str], depths: Sequence[int], encoder: NumpyBert) -> dict[int, np.ndarray]:
    """Mean-pooled hidden states after each depth, for the same word pieces the numpy encoder sees."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(resolve_model_path("minilm"), use_safetensors=True).eval()
    ids = encoder.token_ids(texts)
    out = {depth: np.zeros((len(texts), encoder.dim), dtype=np.float32) for depth in depths}
    order = np.argsort([len(row) for row in ids])
    with torch.inference_mode():
        for start in range(0, len(order), 64):
            chosen = order[start : start + 64]
            length = max(len(ids[i]) for i in chosen)
            tokens = torch.zeros((len(chosen), length), dtype=torch.long)
            mask = torch.zeros((len(chosen), length))
            for row, i in enumerate(chosen):
                tokens[row, : len(ids[i])] = torch.tensor(ids[i])
                mask[row, : len(ids[i])] = 1.0
            states = model(input_ids=tokens, attention_mask=mask.long(), output_hidden_states=True).hidden_states
            for depth in depths:
                pooled = (states[depth] * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
                out[depth][chosen] = pooled.numpy()
    return out


class PrecomputedScorer(TokenEmbeddingScorer):
    """The default's recipe on embeddings computed elsewhere (looked up by text)."""

    def __init__(self, table: dict[str, np.ndarray]) -> None:
        super().__init__()
        self.table = table

    def _features(self, prompts: Sequence[str]) -> np.ndarray:
        embedded = np.stack([self.table[prompt] for prompt in prompts]).astype(np.float64)
        embedded /= np.maximum(np.linalg.norm(embedded, axis=1, keepdims=True), 1e-12)
        return np.hstack([embedded, prompt_shape(prompts)])


def speed(encoder: NumpyBert, prompts: Sequence[str]) -> tuple[float, float]:
    sample = list(prompts[:: max(1, len(prompts) // 200)])
    latencies = []
    for prompt in sample:
        started = time.perf_counter()
        encoder.encode([prompt])
        latencies.append(time.perf_counter() - started)
    started = time.perf_counter()
    encoder.encode(sample)
    return float(np.median(latencies) * 1000), len(sample) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--depths", type=int, nargs="+", default=[0, 2, 6])
    args = parser.parse_args()
    data = load_pair_data(Path(args.data))
    prompts, gains, groups, weights = training_rows(data.gains)
    held = [p for table in data.held_out.values() for p in table.prompts]
    fixture = [line for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line]
    texts = sorted(set(prompts) | set(held) | {json.loads(line)["prompt"] for line in fixture})
    folder = resolve_model_path("minilm")
    base = NumpyBert.from_hf_folder(folder, layers=0)
    started = time.perf_counter()
    embeddings = torch_embeddings(texts, args.depths, base)
    print(f"embedded {len(texts)} prompts at depths {args.depths} in {time.perf_counter() - started:.0f}s")
    print("| layers | mixed pool | MMLU | GSM8K | AlpacaEval | everyday AUC | one prompt p50 ms | prompts/s |")
    print("|---|---|---|---|---|---|---|---|")
    for depth in args.depths:
        table = dict(zip(texts, embeddings[depth], strict=True))
        scorer = PrecomputedScorer(table).fit(prompts, gains, groups=groups, sample_weight=weights)
        encoder = NumpyBert.from_hf_folder(folder, layers=depth)
        p50, rate = speed(encoder, held)
        print(f"| {depth} | {mixed_pool(scorer.score, data.held_out, 50)[0]:.3f} "
              f"| {within(scorer.score, data.held_out['mmlu']):.3f} | {within(scorer.score, data.held_out['gsm8k']):.3f} "
              f"| {within(scorer.score, data.held_out['alpaca']):.3f} | {everyday(scorer.score)[0]:.3f} "
              f"| {p50:.1f} | {rate:.0f} |", flush=True)


if __name__ == "__main__":
    main()
