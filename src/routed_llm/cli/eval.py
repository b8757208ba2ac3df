"""``routed-llm eval``: measure routers on published per-prompt benchmark results."""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from routed_llm.data.table import BenchmarkTable
    from routed_llm.evaluation.metrics import RouterMetrics
    from routed_llm.evaluation.report import DomainRow

__all__ = ["register"]

_REFERENCES = ("random", "oracle")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="measure routers' cost-quality curves on published benchmark results",
        description=(
            "Score every prompt of a benchmark with each router, sweep the threshold from "
            "no strong calls to all strong calls, and report APGR, CPT(50%), CPT(80%) and "
            "AUC as RouteLLM's evaluation defines them. 'random' is the random router's "
            "expected curve (a straight line; APGR 0.5) and 'oracle' the per-prompt best. "
            "With --models instead of --strong/--weak, N models are compared by cost: each "
            "router's quality against average cost per request, its AIQ as RouterBench "
            "normalises it, and the cost at which it reaches each model's quality; 'zero' "
            "(the best random mixture of single models) and 'oracle' are the references."
        ),
        epilog=(
            "Example: routed-llm eval --data ../shared/data/routellm/mmlu "
            "--strong gpt-4-1106-preview --weak mistralai/Mixtral-8x7B-Instruct-v0.1 "
            "--router random --router oracle --plot mmlu.png. "
            "N models: routed-llm eval --data ../shared/data/routerbench/mbpp_train.csv "
            "--models all --router zero --router ./my-router --json mbpp.json"
        ),
    )
    from routed_llm.evaluation.loaders import FORMATS

    parser.add_argument("--data", required=True, metavar="PATH", help="benchmark file or directory")
    parser.add_argument("--format", default="auto", choices=["auto", *FORMATS],
                        help="data format (default: detect from names and headers)")
    parser.add_argument("--strong", metavar="MODEL", help="strong model, as named in the data")
    parser.add_argument("--weak", metavar="MODEL", help="weak model, as named in the data")
    parser.add_argument("--models", metavar="all|M1,M2,...",
                        help="compare N models by cost instead of a strong/weak pair: 'all' or a comma list")
    parser.add_argument("--prices", metavar="FILE",
                        help="with --models: JSON {model: USD per request}, for data without costs (RouterDC); "
                        "replaces the data's costs for the models it names")
    parser.add_argument("--scorer", "--router", action="append", metavar="SPEC", dest="routers",
                        help="'random', 'oracle' ('zero' and 'oracle' with --models), a registered scorer "
                        "name or a saved router directory; repeat for several (default: random, or zero)")
    parser.add_argument("--json", metavar="OUT.json", help="write the results as JSON")
    parser.add_argument("--plot", metavar="OUT.png", help="write the quality-versus-strong-share figure")
    parser.add_argument("--by-domain", action="store_true",
                        help="also show each domain's (subject's, task's) qualities and every router's PGR")
    parser.add_argument("--share", type=float, default=0.5, metavar="SHARE",
                        help="strong-call share at which --by-domain reports PGR (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=256, metavar="N",
                        help="prompts per scoring call (default: %(default)s)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from routed_llm.cli.common import warn_training_overlap
    from routed_llm.errors import ConfigurationError
    from routed_llm.evaluation.loaders import load_benchmark
    from routed_llm.evaluation.metrics import (
        evaluate_scores,
        oracle_metrics,
        oracle_weights,
        random_metrics,
        strong_weights,
    )
    from routed_llm.evaluation.plot import plot_curves
    from routed_llm.evaluation.report import domain_breakdown, report_dict
    from routed_llm.scorers.registry import resolve_scorer

    if importlib.util.find_spec("rich") is None:
        raise ConfigurationError("eval", "the result tables need rich: pip install 'routed-llm[eval]'")
    if args.models is not None:
        from routed_llm.cli.eval_models import run_models

        return run_models(args)
    for option, value in (("--strong", args.strong), ("--weak", args.weak)):
        if value is None:
            raise ConfigurationError(option, "name the strong and the weak model, or compare N models with --models")
    if args.prices is not None:
        raise ConfigurationError("--prices", "applies to N-model evaluation (--models)")
    if not 0.0 <= args.share <= 1.0:
        raise ConfigurationError("--share", f"must be in [0, 1], got {args.share}")
    specs = list(dict.fromkeys(args.routers or ["random"]))
    table = load_benchmark(args.data, format=args.format)
    strong_column, weak_column = table.column(args.strong), table.column(args.weak)
    if args.by_domain and table.domains is None:
        raise ConfigurationError("--by-domain", f"{args.data} has no domains or tasks to break down by")
    scorers = {spec: resolve_scorer(spec) for spec in specs if spec not in _REFERENCES}
    warn_training_overlap(list(scorers), table.prompts, str(args.data))

    results: dict[str, RouterMetrics] = {}
    weights: dict[str, np.ndarray] = {}
    oracle = oracle_metrics(table, args.strong, args.weak)
    for spec in specs:
        if spec == "random":
            results[spec] = random_metrics(table, args.strong, args.weak)
            weights[spec] = np.full(len(table), args.share)
        elif spec == "oracle":
            results[spec] = oracle
            weights[spec] = oracle_weights(strong_column, weak_column, args.share)
        else:
            scores = _score_with_progress(scorers[spec], spec, table, args.batch_size)
            results[spec] = evaluate_scores(scores, table, args.strong, args.weak)
            weights[spec] = strong_weights(scores, args.share)

    _print_summary(args, table, results)
    if args.by_domain:
        _print_domains(args, domain_breakdown(table, args.strong, args.weak, weights))
    if args.json:
        _write_json(Path(args.json), report_dict(str(args.data), table, args.strong, args.weak, results))
    if args.plot:
        title = f"{Path(args.data).name}: quality vs strong-model calls (n={len(table)})"
        written = plot_curves(results, oracle, strong=args.strong, weak=args.weak, title=title, path=args.plot)
        print(f"plot written to {written}")
    return 0


def _score_with_progress(scorer: Any, spec: str, table: BenchmarkTable, batch_size: int) -> np.ndarray:
    from rich.console import Console
    from rich.progress import Progress

    from routed_llm.scorers.batching import score_in_batches

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(f"scoring with {spec}", total=len(table))
        return score_in_batches(scorer, table.prompts, batch_size=batch_size,
                                on_batch=lambda done: progress.advance(task, done))


def _print_summary(args: argparse.Namespace, table: BenchmarkTable, results: Mapping[str, RouterMetrics]) -> None:
    from rich.table import Table

    from routed_llm.cli.common import router_labels

    first = next(iter(results.values()))
    labels = router_labels(list(results))
    caption = f"{len(table)} prompts"
    if table.skipped:
        caption += f"; {table.skipped} source rows skipped for a missing score or cost"
    summary = Table(title=f"{args.data}: {args.strong} (strong) vs {args.weak} (weak)", caption=caption)
    for header in ("router", "APGR", "CPT(50%)", "CPT(80%)", "AUC", "strong quality", "weak quality"):
        summary.add_column(header, justify="left" if header == "router" else "right", overflow="fold")
    for name, metrics in results.items():
        summary.add_row(labels[name], _number(metrics.apgr), _percent(metrics.cpt50), _percent(metrics.cpt80),
                        _number(metrics.auc), _number(first.strong_quality), _number(first.weak_quality))
    _console().print(summary)


def _print_domains(args: argparse.Namespace, rows: Sequence[DomainRow]) -> None:
    from rich.table import Table

    from routed_llm.cli.common import router_labels

    routers = list(rows[0].pgr) if rows else []
    labels = router_labels(routers)
    breakdown = Table(title=f"per domain, at {args.share:.0%} strong calls overall",
                      caption="PGR: share of the domain's weak-to-strong gap recovered (n/a: the models tie)")
    for header in ("domain", "n", "weak", "strong", *(f"{labels[name]} PGR" for name in routers)):
        breakdown.add_column(header, justify="left" if header == "domain" else "right", overflow="fold")
    for row in rows:
        breakdown.add_row(row.domain, str(row.n), _number(row.weak_quality), _number(row.strong_quality),
                          *(_number(row.pgr[name]) for name in routers))
    _console().print(breakdown)


def _write_json(path: Path, document: Mapping[str, Any]) -> None:
    from routed_llm.errors import ConfigurationError

    try:
        path.expanduser().write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError("--json", f"cannot write {path}: {exc.strerror}") from None


def _console() -> Any:
    from rich.console import Console

    return Console()


def _number(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def _percent(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.1%}"
