"""The default router on everyday prompt sets, aggregates only: AUC and each group's strong share.

Each row of a set is routed as an application would route it: its ``messages`` (or its
``prompt``) through :meth:`RoutedClient.route` with the shipped default, once at default
settings and once with ``strong_share=0.3``. Printed per set: the AUC of the score
separating demanding from easy rows, and the share of each group sent to the strong model
under each setting, overall and for the rows with a system prompt or an earlier exchange.

Sets:

- ``tests/fixtures/blind_everyday_prompts.jsonl`` and ``blind_everyday_prompts_2.jsonl``:
  each written by an author who had not read the default's priors or training code; no
  training code reads them, and this script prints no prompt of them, only aggregates
  (skipped with a note when absent). The first was looked at while the default was
  developed (a development set since); the second is the held-out one;
- ``tests/fixtures/everyday_prompts.jsonl``: the project's own fixture, never trained on;
- ``routed_llm/training/everyday_asks.jsonl``: the default author's development set. The
  ask-kind member is trained on it, so its figures are in-sample (a check, not a test).

Then, with ``../shared/data``, what ``strong_share=0.3`` does on two streams of prompts no
part of the default trained on, and what an :class:`OnlineCalibrator` makes of it:

- *typical assistant mix*: like the reference mix behind ``strong_share``, with prompts it
  does not hold: AlpacaEval's held-out instructions (60%) and the everyday fixture's easy
  turns (40%: greetings, thanks, one-fact questions, rewrites, translations);
- *coding-heavy mix*: held-out MBPP tasks (50%), the same instructions (30%) and turns (20%).

    python benchmarks/blind_everyday.py [--blind PATH ...] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from routed_llm.client import RoutedClient
from routed_llm.routing.online import OnlineCalibrator

ROOT = Path(__file__).resolve().parents[1]
BLINDS = (ROOT / "tests" / "fixtures" / "blind_everyday_prompts.jsonl",
          ROOT / "tests" / "fixtures" / "blind_everyday_prompts_2.jsonl")
FIXTURE = ROOT / "tests" / "fixtures" / "everyday_prompts.jsonl"
SHARE = 0.3
DEMANDING = frozenset({"demanding", "hard"})


def read_rows(path: Path | Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def auc(scores: np.ndarray, demanding: np.ndarray) -> float:
    """The chance that a demanding row outscores an easy one (ties count half)."""
    high, low = scores[demanding], scores[~demanding]
    return float(((high[:, None] > low[None]) + 0.5 * (high[:, None] == low[None])).mean())


def report(label: str, rows: list[dict[str, Any]], client: RoutedClient) -> None:
    messages = [row.get("messages", row.get("prompt")) for row in rows]
    demanding = np.array([row["group"] in DEMANDING for row in rows])
    chat = np.array([isinstance(m, list) and (len(m) > 1) for m in messages])
    plain = [client.route(m) for m in messages]
    shared = [client.route(m, strong_share=SHARE) for m in messages]
    scores = np.array([decision.score for decision in plain])
    line = f"{label}: {demanding.sum()} demanding / {(~demanding).sum()} easy rows; AUC {auc(scores, demanding):.3f}"
    for setting, decisions in (("default settings", plain), (f"strong_share={SHARE}", shared)):
        strong = np.array([decision.role == "strong" for decision in decisions])
        line += (f"\n  {setting} (threshold {decisions[0].threshold:.3f}): easy {strong[~demanding].mean():.1%} "
                 f"strong, demanding {strong[demanding].mean():.1%} strong")
        if chat.any():
            line += (f"; with a system prompt or history ({chat.sum()} rows): easy "
                     f"{strong[chat & ~demanding].mean():.1%}, demanding {strong[chat & demanding].mean():.1%}")
    print(line, flush=True)


def shares_on_mixes(data: Path, length: int = 600) -> None:
    """The strong share ``strong_share=0.3`` gives on two streams, fixed and with an online calibrator.
    Each stream draws ``length`` prompts (with repeats) from its parts in the shares given."""
    from pair_sources import load_pair_data

    held_out = load_pair_data(data).held_out
    instructions = list(held_out["alpaca"].prompts)
    chat = [row["prompt"] for row in read_rows(FIXTURE) if row["group"] == "easy"]
    mixes = {"typical assistant mix (60% instructions, 40% chat turns and simple asks)":
                 ((instructions, 0.6), (chat, 0.4)),
             "coding-heavy mix (50% MBPP tasks, 30% instructions, 20% chat turns and simple asks)":
                 ((list(held_out["mbpp"].prompts), 0.5), (instructions, 0.3), (chat, 0.2))}
    rng = np.random.default_rng(0)
    for label, parts in mixes.items():
        part_of = rng.choice(len(parts), length, p=[share for _, share in parts])
        stream = [parts[part][0][rng.integers(len(parts[part][0]))] for part in part_of]
        fixed = RoutedClient("strong-model", "weak-model", strong_share=SHARE)
        calibrated = RoutedClient("strong-model", "weak-model", strong_share=SHARE,
                                  policies=[OnlineCalibrator(SHARE, window=200, min_samples=50)])
        sent = np.array([fixed.route(prompt).role == "strong" for prompt in stream])
        live = np.array([calibrated.route(prompt).role == "strong" for prompt in stream])
        print(f"{label}, {length} prompts: strong_share={SHARE} sends {sent.mean():.1%} strong; "
              f"with OnlineCalibrator({SHARE}, window=200) {live[200:].mean():.1%} once its window is full",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blind", action="append", help="a blind set (JSON Lines; repeatable); default: both "
                        "blind fixtures")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    client = RoutedClient("strong-model", "weak-model")
    for blind in [Path(path) for path in args.blind] if args.blind else BLINDS:
        if blind.is_file():
            report(f"blind everyday prompts ({blind.name})", read_rows(blind), client)
        else:
            print(f"blind everyday prompts: {blind} not found, skipped")
    report("everyday fixture", read_rows(FIXTURE), client)
    report("development asks (trained on: in-sample)",
           read_rows(files("routed_llm.training").joinpath("everyday_asks.jsonl")), client)
    if (Path(args.data) / "alpaca_eval").is_dir():
        shares_on_mixes(Path(args.data))
    else:
        print(f"strong shares on assistant mixes: {args.data} not found, skipped")


if __name__ == "__main__":
    main()
