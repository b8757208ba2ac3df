"""``routed-llm train``: fit a router scorer on labelled data and save it as an artifact.

Golden labels come from benchmark files (any format ``routed-llm eval`` reads), battles
from arena-format files. A seeded share of the prompts (stratified by domain) is held out
and never trained on; the summary at the end is measured on it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a router scorer and save it (config.json + model.safetensors)",
        description=(
            "Train a router on golden labels (benchmark correctness: the strong model wins "
            "where only it is right) or on preference battles (prompt, model_a, model_b, "
            "winner), hold out a seeded share of the prompts, and print the held-out metrics."
        ),
        epilog=(
            "Example: routed-llm train --scorer lexical --data ../shared/data/routellm/mmlu "
            "--strong gpt-4-1106-preview --weak mistralai/Mixtral-8x7B-Instruct-v0.1 --out my-router"
        ),
    )
    parser.add_argument("--verifier", choices=("learned",), default=None,
                        help="train a cascade's learned verifier instead of a router: --data are files with "
                        "responses (RouterBench CSVs, RouteLLM gsm8k_responses.csv), --weak the cheap model, "
                        "--checker the checker model(s) whose agreement it reads")
    parser.add_argument("--checker", action="append", default=[], metavar="MODEL",
                        help="with --verifier: a checker model's name in the data (repeatable)")
    parser.add_argument("--scorer", "--router", dest="scorer", default="lexical", metavar="NAME",
                        help="scorer to train (see --list-trainers; default: %(default)s)")
    parser.add_argument("--data", nargs="+", metavar="PATH", help="benchmark files/directories or battle files")
    parser.add_argument("--strong", metavar="MODEL", help="the strong model's name in the data")
    parser.add_argument("--weak", metavar="MODEL", help="the weak model's name in the data")
    parser.add_argument("--out", metavar="DIR", help="directory to save the trained router in (new or empty)")
    parser.add_argument("--overwrite", action="store_true", help="replace the saved router already in --out")
    parser.add_argument("--labels", choices=("golden", "battles"), default="golden",
                        help="golden: benchmark correctness; battles: arena-format files (default: %(default)s)")
    parser.add_argument("--encoder", metavar="SPEC",
                        help="encoder for embedding routers: 'minilm', a local path or Hub id, "
                        "'litellm:MODEL', or 'hashing'")
    parser.add_argument("--teacher", metavar="ROUTER",
                        help="a slower router (saved directory or built-in name) whose scores of the "
                        "training prompts the lexical router learns from besides the labels (distillation; "
                        "mix set by --option teacher_weight=0.5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split and the training (default: 0)")
    parser.add_argument("--holdout", type=float, default=0.25, metavar="FRACTION",
                        help="share of prompts held out for the summary (default: %(default)s)")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="scorer constructor option (VALUE parsed as JSON when it parses), repeatable")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--list-trainers", action="store_true", help="list the trainable routers and exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from routed_llm.data.battles import concat_battles
    from routed_llm.errors import ConfigurationError
    from routed_llm.training.trainers import TrainingRequest, available_trainers, train_scorer

    if args.list_trainers:
        print("\n".join(available_trainers()))
        return 0
    if args.verifier is not None:
        return _train_verifier(args)
    for field in ("data", "strong", "weak", "out"):
        if not getattr(args, field):
            raise ConfigurationError(f"--{field}", "is required")
    out = _output_directory(Path(args.out), args.overwrite)
    options = _parse_options(args.option)
    golden = args.labels == "golden"
    parts, evaluations = _golden(args) if golden else _battles(args)
    with _Bars() as bars:
        settings: dict[str, Any] = {"strong": args.strong, "weak": args.weak, "encoder": args.encoder,
                                    "seed": args.seed, "options": options, "progress": bars.update,
                                    "teacher": args.teacher}
        if golden:
            request = TrainingRequest.from_tables(parts, **settings)
        else:
            request = TrainingRequest(battles=concat_battles(parts), **settings)
        training = request.battles
        if len(training) == 0:
            raise ConfigurationError("--data", "no training rows left after the hold-out")
        scorer = train_scorer(args.scorer, request)
        summary = [evaluate(scorer) for evaluate in evaluations]
    metadata = {"router": args.scorer, "labels": args.labels, "data": [str(Path(p)) for p in args.data],
                "strong": args.strong, "weak": args.weak, "seed": args.seed, "holdout": args.holdout,
                "training_prompts": len(training.prompts), "held_out": summary}
    if args.teacher is not None:
        metadata["teacher"] = args.teacher
    path = scorer.save_pretrained(out, metadata=metadata, training_prompts=training.prompts)
    if args.json:
        print(json.dumps({"out": str(path), "router": args.scorer, "held_out": summary}))
        return 0
    print(f"saved {args.scorer} router to {path} ({len(training.prompts)} training prompts, "
          f"{len(training)} battles)")
    for row in summary:
        metrics = "  ".join(f"{key} {value:.3f}" if isinstance(value, float) else f"{key} {value}"
                            for key, value in row.items() if key != "data")
        print(f"held-out {row['data']}: {metrics}")
    return 0


def _train_verifier(args: argparse.Namespace) -> int:
    """Fit the learned verifier on the rows not held out; report how it judges the held-out cheap answers."""
    import numpy as np

    from routed_llm.errors import ConfigurationError, DataError
    from routed_llm.evaluation.loaders.responses import load_gsm8k_responses, load_routerbench_responses
    from routed_llm.training.split import holdout_mask
    from routed_llm.training.verifier import evidence_for, train_learned_verifier

    for field in ("data", "weak", "out"):
        if not getattr(args, field):
            raise ConfigurationError(f"--{field}", "is required")
    out = _output_directory(Path(args.out), args.overwrite)
    records = []
    for path in map(Path, args.data):
        try:
            records += load_routerbench_responses(path)
        except DataError:
            records += load_gsm8k_responses(path)
    checkers = tuple(args.checker)
    usable = [r for r in records if evidence_for(r, args.weak, checkers) is not None]
    if not usable:
        raise ConfigurationError("--weak", f"no row holds {args.weak!r}'s answer (and every --checker's)")
    held = holdout_mask([r.source for r in usable], args.holdout, args.seed)
    train = [r for r, h in zip(usable, held, strict=True) if not h]
    test = [r for r, h in zip(usable, held, strict=True) if h]
    options = {"use_others": bool(checkers), **_parse_options(args.option)}
    verifier = train_learned_verifier(train, args.weak, checkers, **options)
    summary: dict[str, Any] = {"training_rows": len(train), "held_out_rows": len(test)}
    if test:
        scores = np.array(verifier.verify_many([evidence_for(r, args.weak, checkers) for r in test]), dtype=float)
        wrong = np.array([r.scores[args.weak] < 0.5 for r in test])
        escalated = scores >= 0.5
        summary.update(weak_wrong=float(wrong.mean()), escalated=float(escalated.mean()),
                       wrong_caught=float(escalated[wrong].mean()) if wrong.any() else float("nan"))
    metadata = {"verifier": args.verifier, "data": [str(Path(p)) for p in args.data], "weak": args.weak,
                "checkers": list(checkers), "seed": args.seed, "holdout": args.holdout, **summary}
    path = verifier.save_pretrained(out, metadata=metadata, training_prompts=[r.prompt for r in train])
    if args.json:
        print(json.dumps({"out": str(path), "verifier": args.verifier, **summary}))
        return 0
    print(f"saved the learned verifier to {path} ({len(train)} training rows)")
    if test:
        print(f"held-out {len(test)} rows: the weak answer is wrong on {summary['weak_wrong']:.3f}; the verifier "
              f"escalates {summary['escalated']:.3f} and catches {summary['wrong_caught']:.3f} of the wrong answers")
    return 0


def _output_directory(out: Path, overwrite: bool) -> Path:
    """``out`` when it is new or empty; a saved router there is replaced only with ``overwrite``,
    and a directory holding anything else is never written into (checked before training)."""
    from routed_llm.artifacts import ASSETS_DIR, CONFIG_NAME, WEIGHTS_NAME
    from routed_llm.errors import ConfigurationError

    if out.exists() and not out.is_dir():
        raise ConfigurationError("--out", f"{out} is a file, not a directory")
    if not out.is_dir() or not any(out.iterdir()):
        return out
    if not (out / CONFIG_NAME).is_file():
        raise ConfigurationError("--out", f"{out} is not empty and holds no saved router; choose a new directory")
    if not overwrite:
        raise ConfigurationError("--out", f"{out} already holds a saved router; pass --overwrite to replace it")
    import shutil

    shutil.rmtree(out / ASSETS_DIR, ignore_errors=True)
    for name in (CONFIG_NAME, WEIGHTS_NAME):
        (out / name).unlink(missing_ok=True)
    return out


def _parse_options(pairs: list[str]) -> dict[str, Any]:
    from routed_llm.errors import ConfigurationError

    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigurationError("--option", f"expected KEY=VALUE, got {pair!r}")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options


def _golden(args: argparse.Namespace) -> tuple[list[Any], list[Any]]:
    """The training table of each file (its hold-out removed) and an evaluation per held-out part."""
    from dataclasses import replace

    import numpy as np

    from routed_llm.evaluation.loaders import load_benchmark
    from routed_llm.evaluation.metrics import evaluate_scores
    from routed_llm.scorers.batching import score_in_batches
    from routed_llm.training.split import holdout_mask

    tables, evaluations = [], []
    for path in args.data:
        table = load_benchmark(path)
        groups = list(table.domains) if table.domains is not None else [Path(path).stem] * len(table)
        test = holdout_mask(groups, args.holdout, args.seed)
        rows = np.flatnonzero(~test)
        train = replace(table.select(rows), domains=[groups[i] for i in rows])
        tables.append(train)
        if test.any():
            held = table.select(np.flatnonzero(test))

            def evaluate(scorer: Any, held: Any = held, path: str = path) -> dict[str, Any]:
                metrics = evaluate_scores(score_in_batches(scorer, list(held.prompts)), held, args.strong, args.weak)
                return {"data": path, "n": len(held), "apgr": float(metrics.apgr), "cpt50": float(metrics.cpt50)}

            evaluations.append(evaluate)
    return tables, evaluations


def _battles(args: argparse.Namespace) -> tuple[list[Any], list[Any]]:
    """The training battles of each file (its hold-out removed) and an evaluation per held-out part."""
    import numpy as np

    from routed_llm.data.battles import read_battles, strong_gains
    from routed_llm.scorers.batching import score_in_batches
    from routed_llm.training.split import holdout_mask

    parts, evaluations = [], []
    for path in args.data:
        battles = read_battles(path)
        test = holdout_mask(["all"] * len(battles.prompts), args.holdout, args.seed)
        parts.append(battles.select_prompts(~test))
        held = battles.select_prompts(test)
        if len(held):

            def evaluate(scorer: Any, held: Any = held, path: str = path) -> dict[str, Any]:
                gains, fought = strong_gains(held, args.strong, args.weak)
                decisive = fought & (gains != 0)
                scores = score_in_batches(scorer, [held.prompts[i] for i in np.flatnonzero(decisive)])
                agree = float(np.mean((scores >= 0.5) == (gains[decisive] > 0))) if decisive.any() else float("nan")
                return {"data": path, "n": int(decisive.sum()), "decisive_agreement": agree}

            evaluations.append(evaluate)
    return parts, evaluations


class _Bars:
    """Rich progress bars on stderr, one per trainer stage; silent when rich is not installed."""

    def __enter__(self) -> _Bars:
        self._tasks: dict[str, Any] = {}
        try:
            from rich.console import Console
            from rich.progress import Progress
        except ImportError:
            self._progress: Any = None
            return self
        self._progress = Progress(console=Console(stderr=True), transient=True)
        self._progress.__enter__()
        return self

    def update(self, stage: str, done: int, total: int) -> None:
        if self._progress is None:
            return
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(self._tasks[stage], completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)
