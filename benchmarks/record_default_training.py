"""Record in the shipped default router which prompts it was trained on, so ``routed-llm eval`` can
warn when an evaluation overlaps them (the default scores its own training rows far better).

The default was saved before ``save_pretrained(training_prompts=...)`` existed, with only a
hash of its training data. This rebuilds its training rows exactly as ``train_default_router.py``
does (``pair_sources.load_pair_data`` plus the prior rows), checks them against that hash, and
adds their digests to the artifact as ``assets/training_prompts.safetensors`` (``config.json``
records its SHA-256); weights and members are left as they are. The lexical member was trained
on the same MMLU and GSM8K training rows (``previous_default_recipe.py``: same seed and cut).

    python benchmarks/record_default_training.py [--data ../shared/data] [--router src/routed_llm/_default]
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
from pair_sources import load_pair_data
from safetensors.numpy import save_file
from train_default_router import training_rows

from routed_llm.artifacts import ASSETS_DIR, CONFIG_NAME, TRAINING_PROMPTS_NAME, prompt_digests, read_training_prompts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--router", default=str(Path(__file__).resolve().parents[1] / "src" / "routed_llm" / "_default"))
    args = parser.parse_args()

    router = Path(args.router)
    config = json.loads((router / CONFIG_NAME).read_text())
    data = load_pair_data(Path(args.data))
    recorded = config["metadata"]["training_data_sha256"]
    if data.digest != recorded:
        raise SystemExit(f"the data's digest {data.digest} is not the {recorded} the router was trained on")
    prompts = training_rows(data)[0]
    if len(prompts) != config["metadata"]["training_rows"]:
        raise SystemExit(f"{len(prompts)} rows rebuilt, the router records {config['metadata']['training_rows']}")
    record = router / ASSETS_DIR / TRAINING_PROMPTS_NAME
    save_file({"prompt_digests": np.unique(prompt_digests(prompts))}, str(record))
    config["assets"][TRAINING_PROMPTS_NAME] = hashlib.sha256(record.read_bytes()).hexdigest()
    (router / CONFIG_NAME).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    print(f"recorded {len(read_training_prompts(router))} distinct training prompts of {len(prompts)} rows "
          f"in {record} ({record.stat().st_size / 1e3:.1f} kB)")


if __name__ == "__main__":
    main()
