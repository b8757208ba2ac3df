"""Does fine-tuning the encoder on every source teach it which question *inside* a source is hard?

The default's members are linear models on fixed features: they learn which kinds of prompt
need the strong model, but rank the questions inside ARC-Challenge and MBPP no better than
chance. The mixed-pool target asks for more (``generalization.py`` prints what within-source
APGR it needs once the kinds are known). The largest per-question learner that could fit
issue 16's 30 MB bound (about 22 MB in int8) is MiniLM itself, fine-tuned end to end: this script fine-tunes
it (the ``bert`` router, 3-way battle classes, one epoch) on the training rows of all five
correctness sources, smaller sources repeated so that none is drowned by MMLU, each prompt cut
to its last :data:`TAIL_CHARS` characters (see there), and prints on
the held-out rows its APGR in the mixed pool and within each source, alone and blended
equally with the shipped default by rank, beside the default alone.

Training takes about 40 min on 2 CPU cores (the ``torch`` and ``minilm`` extras); the model
is kept in ``--model`` and reused by a later run when it was trained on the same rows.
Scored in distribution only: the five left-out runs would take five times as long.

    python benchmarks/finetuned_encoder.py [--data ../shared/data] [--model build/finetuned-five-sources-tail]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from generalization import SOURCES, everyday, mixed_pool, within
from pair_sources import STRONG, WEAK, PairData, load_pair_data

from routed_llm.artifacts import read_config
from routed_llm.data.battles import battle_classes
from routed_llm.scorers import resolve_scorer

if TYPE_CHECKING:
    from routed_llm.scorers.bert import BertScorer

REPEATS = {"mmlu": 1, "gsm8k": 4, "arc": 3, "mbpp": 6, "winogrande": 3}
"""Copies of each source's training rows (7,368 MMLU rows against 224-764 for the others)."""
TAIL_CHARS = 400
"""RouterBench's ARC-Challenge and Winogrande rows are few-shot prompts sharing a
1,200-1,650-character preamble, and when this was measured the encoder read 128 tokens from the
start only: every such row was the same text (a first run scored both at exactly 0.500). Their
question is at the end, and 400 characters hold it and its choices; most MMLU, GSM8K and MBPP
prompts are shorter. The ``bert`` router now keeps a prompt's head and tail itself (format 3);
the cut stays so the figures in benchmarks/README.md reproduce."""


def question_end(prompt: str) -> str:
    return prompt[-TAIL_CHARS:]


def training_set(data: PairData) -> tuple[list[str], list[str]]:
    prompts: list[str] = []
    gains: list[float] = []
    for prompt, gain, source in zip(data.gains.prompts, data.gains.targets, data.gains.sources, strict=True):
        copies = REPEATS[source.split(":")[-1]]
        prompts += [question_end(prompt)] * copies
        gains += [gain] * copies
    return prompts, battle_classes(gains)


def fine_tuned(data: PairData, directory: Path) -> BertScorer:
    """The fine-tuned MiniLM from ``directory`` when trained on these rows, else trained and saved there."""
    from routed_llm.scorers.bert import BertScorer

    if (directory / "config.json").is_file():
        metadata = read_config(directory)["metadata"]
        trained_on, tail = metadata.get("training_data_sha256"), metadata.get("tail_chars")
        if trained_on != data.digest or tail != TAIL_CHARS:
            raise SystemExit(f"{directory}: this model was trained on other rows or another cut ({trained_on}, "
                             f"tail_chars {tail}, expected {TAIL_CHARS}); pass another --model")
        return BertScorer.from_pretrained(directory)
    prompts, labels = training_set(data)
    print(f"fine-tuning MiniLM on {len(prompts)} rows into {directory} (about 40 min on 2 CPU cores)", flush=True)
    started = time.perf_counter()
    model = BertScorer("minilm", epochs=1, group_by_length=True).fit(prompts, labels)
    print(f"trained in {time.perf_counter() - started:.0f}s", flush=True)
    model.save_pretrained(directory, metadata={"training_data_sha256": data.digest, "strong": STRONG, "weak": WEAK,
                                               "repeats": REPEATS, "tail_chars": TAIL_CHARS})
    return model


def cached(score: Callable[[Sequence[str]], np.ndarray]) -> Callable[[Sequence[str]], np.ndarray]:
    """A torch forward pass is slow, and the rank reference, the mixed pool and each source's
    within figure score the same held-out rows. ``score`` may return a row per text."""
    seen: dict[str, Any] = {}

    def lookup(texts: Sequence[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in seen]
        if missing:
            seen.update(zip(missing, score(missing), strict=True))
        return np.array([seen[text] for text in texts])
    return lookup


def by_rank(score: Callable[[Sequence[str]], np.ndarray], pool: Sequence[str]) -> Callable[[Sequence[str]], np.ndarray]:
    """``score`` as its rank among ``pool`` (0..1), so routers on different scales blend evenly."""
    reference = np.sort(score(pool))
    return lambda texts: np.searchsorted(reference, score(texts)) / len(reference)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--model", default=str(Path(__file__).resolve().parents[1] / "build" / "finetuned-five-sources-tail"))
    args = parser.parse_args()
    data = load_pair_data(Path(args.data))
    model = fine_tuned(data, Path(args.model))

    def strong_minus_weak(texts: Sequence[str]) -> np.ndarray:
        probabilities = model.predict_proba([question_end(text) for text in texts])
        return probabilities[:, 0] - probabilities[:, 2]

    tuned = cached(strong_minus_weak)
    default = resolve_scorer("default").score
    ranked = by_rank(tuned, [prompt for name in SOURCES for prompt in data.held_out[name].prompts])
    routers = {
        "fine-tuned MiniLM": tuned,
        "default (shipped)": default,
        "equal blend by rank": lambda texts: 0.5 * default(texts) + 0.5 * ranked(texts),
    }
    print("| router | mixed APGR | within: " + " | ".join(SOURCES) + " | AlpacaEval | everyday AUC |")
    print("|---" * (len(SOURCES) + 4) + "|")
    for label, score in routers.items():
        cells = [mixed_pool(score, data.held_out, 50)[0], *(within(score, data.held_out[s]) for s in SOURCES),
                 within(score, data.held_out["alpaca"]), everyday(score)[0]]
        print(f"| {label} | " + " | ".join(f"{value:.3f}" for value in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
