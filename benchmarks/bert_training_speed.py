"""What ``group_by_length`` saves when fine-tuning the ``bert`` router on a CPU.

Fine-tuning cost follows the padded batch, and a random batch of MMLU prompts pads to its
longest one; grouping puts prompts of like length together. This fine-tunes MiniLM for one
epoch on the same seeded sample of real training prompts with and without grouping,
alternating the two so machine noise hits both, and prints each time and the median ratio.
Needs the ``torch`` and ``minilm`` extras and ``../shared/data``.

    python benchmarks/bert_training_speed.py [--data ../shared/data] [--rows 960] [--repeats 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from previous_default_recipe import TEACHER, load_split

from routed_llm.data.battles import battle_classes
from routed_llm.scorers.bert import BertScorer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--rows", type=int, default=960)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    split = load_split(Path(args.data))
    rows = np.random.default_rng(0).permutation(len(split.prompts))[: args.rows]
    prompts = [split.prompts[i] for i in rows]
    labels = battle_classes(split.gains[rows])
    settings = {**TEACHER, "epochs": 1}
    seconds: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.repeats):
        for grouped in (False, True):
            started = time.perf_counter()
            BertScorer(**settings, group_by_length=grouped).fit(prompts, labels)
            seconds[grouped].append(time.perf_counter() - started)
            print(f"group_by_length={grouped}: {seconds[grouped][-1]:.0f} s for {len(prompts)} prompts", flush=True)
    ratio = statistics.median(seconds[False]) / statistics.median(seconds[True])
    print(f"median: {statistics.median(seconds[False]):.0f} s plain, {statistics.median(seconds[True]):.0f} s grouped "
          f"({ratio:.2f}x faster grouped)")


if __name__ == "__main__":
    main()
