"""Can a fine-tuned encoder learn *how hard a question is for LLMs*, where it cannot learn the gain?

Knowing how nine other LLMs fared on each held-out ARC-Challenge question ranks those rows at
0.808 APGR for the GPT-4 / Mixtral pair (``difficulty_ceiling.py``), far above any router's
0.49-0.52 there, and the mixed-pool target needs about 0.65 (``generalization.py``). The
shared data holds that per-question difficulty for about 9,000 training prompts (RouterBench's
other models, RouterDC's seven open models, AlpacaEval's 49; ``pair_sources.py``), a denser
signal than the pair's own right-minus-wrong gain.

So this fine-tunes MiniLM (the largest encoder the default's 10 ms / 30 MB bounds admit) on
two heads at once, each step a batch of each: the pair's 3-way battle classes on the five
correctness sources (smaller sources repeated as in ``finetuned_encoder.py``) and the
difficulty, z-scored within each auxiliary source. Prompts keep their head and tail tokens
(128 in all), so few-shot rows show their question. It prints, on the held-out rows, both
heads' APGR in the mixed pool and within each source, each blended by rank with the shipped
default, and how well the difficulty head predicts the nine other models' mean error on the
held-out RouterBench rows (Spearman).

Training takes about 30 min on 2 CPU cores (the ``torch`` and ``minilm`` extras); the weights
are kept in ``--model`` (safetensors) and reused by a later run on the same rows. In
distribution only.

    python benchmarks/difficulty_head.py [--data ../shared/data] [--model build/difficulty-head]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from finetuned_encoder import REPEATS, by_rank, cached
from generalization import SOURCES, everyday, mixed_pool, within
from pair_sources import STRONG, WEAK, PairData, load_pair_data

from routed_llm.data.battles import battle_classes
from routed_llm.encoders.transformers import mean_pool, resolve_model_path, tokenize_head_and_tail
from routed_llm.scorers import resolve_scorer
from routed_llm.scorers.bert import battle_class_indices, epoch_batches

STEPS = 600
"""Training steps, each 16 gain rows and 16 difficulty rows (0.64 of an epoch of gain rows)."""
BATCH = 16
MAX_TOKENS = 128
SEED = 0
WEIGHTS = "model.safetensors"


def difficulty_targets(data: PairData) -> np.ndarray:
    """Each auxiliary source's difficulty z-scored on its own: their scales (7 small models' error,
    49 models' preference) differ, and only the order within a source is comparable."""
    targets = np.asarray(data.difficulty.targets, dtype=float)
    sources = np.array(data.difficulty.sources)
    scaled = np.zeros_like(targets)
    for source in set(sources):
        rows = sources == source
        scaled[rows] = (targets[rows] - targets[rows].mean()) / (targets[rows].std() + 1e-9)
    return scaled


class TwoHeads:
    """MiniLM with a battle head and a difficulty head on its mean-pooled states."""

    def __init__(self) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        path = resolve_model_path("minilm")
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.encoder = AutoModel.from_pretrained(path, use_safetensors=True)
        width = self.encoder.config.hidden_size
        self.gain_head, self.difficulty_head = torch.nn.Linear(width, 3), torch.nn.Linear(width, 1)

    def pooled(self, texts: Sequence[str]) -> Any:
        batch = tokenize_head_and_tail(self.tokenizer, texts, MAX_TOKENS, None)
        return mean_pool(self.encoder(**batch).last_hidden_state, batch["attention_mask"])

    def modules(self) -> dict[str, Any]:
        return {"encoder": self.encoder, "gain_head": self.gain_head, "difficulty_head": self.difficulty_head}

    def fit(self, data: PairData) -> None:
        import torch

        prompts: list[str] = []
        gains: list[float] = []
        for prompt, gain, source in zip(data.gains.prompts, data.gains.targets, data.gains.sources, strict=True):
            prompts += [prompt] * REPEATS[source]
            gains += [gain] * REPEATS[source]
        classes = battle_class_indices(battle_classes(gains))
        hard_prompts, hardness = list(data.difficulty.prompts), difficulty_targets(data)
        counts = np.bincount(classes, minlength=3).astype(float)
        cross_entropy = torch.nn.CrossEntropyLoss(weight=torch.tensor(counts.sum() / (3 * counts), dtype=torch.float32))
        parameters = [p for module in self.modules().values() for p in module.parameters()]
        optimizer = torch.optim.AdamW(parameters, lr=5e-5, weight_decay=0.01)
        generator = torch.Generator().manual_seed(SEED)
        gain_batches = epoch_batches([len(p) for p in prompts], BATCH, True, generator)
        hard_batches = epoch_batches([len(p) for p in hard_prompts], BATCH, True, generator)
        self.encoder.train()
        started = time.perf_counter()
        for step in range(STEPS):
            rows, hard_rows = gain_batches[step % len(gain_batches)], hard_batches[step % len(hard_batches)]
            pooled = self.pooled([prompts[i] for i in rows] + [hard_prompts[i] for i in hard_rows])
            loss = cross_entropy(self.gain_head(pooled[: len(rows)]), torch.as_tensor(classes[rows])) + \
                torch.nn.functional.mse_loss(self.difficulty_head(pooled[len(rows):]).squeeze(-1),
                                             torch.as_tensor(hardness[hard_rows], dtype=torch.float32))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step % 100 == 0:
                print(f"step {step}/{STEPS} loss {loss.item():.3f} {time.perf_counter() - started:.0f}s", flush=True)
        self.encoder.eval()

    def save(self, directory: Path, digest: str) -> None:
        from safetensors.torch import save_file

        directory.mkdir(parents=True, exist_ok=True)
        save_file({f"{name}.{key}": value.contiguous() for name, module in self.modules().items()
                   for key, value in module.state_dict().items()}, str(directory / WEIGHTS))
        (directory / "config.json").write_text(json.dumps({"training_data_sha256": digest, "steps": STEPS}) + "\n")

    def load(self, directory: Path) -> None:
        from safetensors.torch import load_file

        tensors = load_file(str(directory / WEIGHTS))
        for name, module in self.modules().items():
            module.load_state_dict({key[len(name) + 1:]: value for key, value in tensors.items()
                                    if key.startswith(name + ".")})
        self.encoder.eval()

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, 2)``: P(strong wins) - P(weak wins), and the predicted difficulty."""
        import torch

        out = np.zeros((len(texts), 2))
        order = np.argsort([len(text) for text in texts], kind="stable")
        with torch.inference_mode():
            for start in range(0, len(texts), 64):
                index = order[start : start + 64]
                pooled = self.pooled([texts[i] for i in index])
                probabilities = torch.softmax(self.gain_head(pooled), dim=-1)
                out[index, 0] = (probabilities[:, 0] - probabilities[:, 2]).numpy()
                out[index, 1] = self.difficulty_head(pooled).squeeze(-1).numpy()
        return out


def trained(data: PairData, directory: Path) -> TwoHeads:
    import torch

    torch.manual_seed(SEED)
    model = TwoHeads()
    if (directory / "config.json").is_file():
        kept = json.loads((directory / "config.json").read_text())
        if kept != {"training_data_sha256": data.digest, "steps": STEPS}:
            raise SystemExit(f"{directory}: trained on other rows or for other steps ({kept}); pass another --model")
        model.load(directory)
        return model
    print(f"fine-tuning MiniLM with two heads for {STEPS} steps into {directory} (about 30 min on 2 CPU cores)",
          flush=True)
    model.fit(data)
    model.save(directory, data.digest)
    return model


def main() -> None:
    import torch
    from scipy.stats import spearmanr

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--model", default=str(Path(__file__).resolve().parents[1] / "build" / "difficulty-head"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    data = load_pair_data(Path(args.data))
    model = trained(data, Path(args.model))

    both = cached(model.scores)
    gain, difficulty = (lambda t: both(t)[:, 0]), (lambda t: both(t)[:, 1])
    default = resolve_scorer("default").score
    pool = [prompt for name in SOURCES for prompt in data.held_out[name].prompts]
    ranked_gain, ranked_difficulty, ranked_default = by_rank(gain, pool), by_rank(difficulty, pool), by_rank(default, pool)
    routers = {
        "gain head": gain,
        "difficulty head": difficulty,
        "default (shipped)": default,
        "default + gain head, equal by rank": lambda t: 0.5 * ranked_default(t) + 0.5 * ranked_gain(t),
        "default + difficulty head, equal by rank": lambda t: 0.5 * ranked_default(t) + 0.5 * ranked_difficulty(t),
        "default 0.7 + difficulty head 0.3": lambda t: 0.7 * ranked_default(t) + 0.3 * ranked_difficulty(t),
    }
    print("| router | mixed APGR | within: " + " | ".join(SOURCES) + " | AlpacaEval | everyday AUC |")
    print("|---" * (len(SOURCES) + 4) + "|")
    for label, score in routers.items():
        cells = [mixed_pool(score, data.held_out, 50)[0], *(within(score, data.held_out[s]) for s in SOURCES),
                 within(score, data.held_out["alpaca"]), everyday(score)[0]]
        print(f"| {label} | " + " | ".join(f"{value:.3f}" for value in cells) + " |", flush=True)
    print("\nDifficulty head against the nine other RouterBench models' mean error on held-out rows:")
    for name in ("arc", "mbpp", "winogrande"):
        table = data.held_out[name]
        others = [table.models.index(m) for m in table.models if m not in (STRONG, WEAK)]
        error = 1.0 - table.quality[:, others].mean(axis=1)
        print(f"- {name}: Spearman {spearmanr(difficulty(list(table.prompts)), error)[0]:.3f} on {len(table)} rows")


if __name__ == "__main__":
    main()
