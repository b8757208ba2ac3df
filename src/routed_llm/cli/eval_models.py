"""``routed-llm eval --models``: routers compared by quality against average cost per request."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from routed_llm.errors import ConfigurationError

if TYPE_CHECKING:
    from routed_llm.data.table import BenchmarkTable
    from routed_llm.evaluation.cost_curve import CostCurve

__all__ = ["load_prices", "run_models"]

_REFERENCES = ("zero", "oracle")


def run_models(args: argparse.Namespace) -> int:
    from routed_llm.cli.common import warn_training_overlap
    from routed_llm.cli.eval import _write_json
    from routed_llm.evaluation.loaders import load_benchmark
    from routed_llm.evaluation.plot import plot_cost_curves
    from routed_llm.evaluation.report import cost_quality_report

    if args.strong is not None or args.weak is not None:
        raise ConfigurationError("--models", "compares N models; leave out --strong and --weak")
    specs = list(dict.fromkeys(args.routers or ["zero"]))
    if "random" in specs:
        raise ConfigurationError("--router", "'random' is the two-model reference; with --models use 'zero'")
    table = load_benchmark(args.data, format=args.format)
    if args.by_domain and table.domains is None:
        raise ConfigurationError("--by-domain", f"{args.data} has no domains or tasks to break down by")
    models = selected_models(args.models, table)
    quality = np.column_stack([table.column(model) for model in models])
    costs = data_costs(table, models, None if args.prices is None else load_prices(Path(args.prices)))
    predictions = {
        spec: _predict(spec, table, models, costs, args.batch_size) for spec in specs if spec not in _REFERENCES
    }
    warn_training_overlap(list(predictions), table.prompts, str(args.data))

    def report(rows: np.ndarray) -> tuple[dict[str, Any], dict[str, CostCurve]]:
        curves = _curves(specs, predictions, quality[rows], costs[rows], rows)
        return cost_quality_report(models, quality[rows], costs[rows], curves), curves

    document, curves = report(np.arange(len(table)))
    document = {"data": str(args.data), **document}
    _print_report(f"{args.data}: {len(models)} models, quality vs average cost per request", document)
    if args.by_domain:
        domains = np.asarray(table.domains, dtype=object)
        document["domains"] = {}
        for domain in sorted(set(domains)):
            part, _ = report(np.flatnonzero(domains == domain))
            document["domains"][domain] = part
            _print_report(f"{domain} (n={part['n']})", part)
    if args.json:
        _write_json(Path(args.json), document)
    if args.plot:
        points = {model: (row["avg_cost"], row["quality"]) for model, row in document["models"].items()}
        title = f"{Path(args.data).name}: quality vs average cost (n={len(table)})"
        print(f"plot written to {plot_cost_curves(points, curves, title=title, path=args.plot)}")
    return 0


def selected_models(spec: str, table: BenchmarkTable) -> list[str]:
    """``all`` or a comma-separated list of the data's models (at least two)."""
    if spec.strip() == "all":
        models = list(table.models)
    else:
        models = list(dict.fromkeys(name.strip() for name in spec.split(",") if name.strip()))
        for model in models:
            table.column(model)  # names the data's models when one is unknown
    if len(models) < 2:
        raise ConfigurationError("--models", f"compare at least two models, got {models}")
    return models


def load_prices(path: Path) -> dict[str, float]:
    """``{model: USD per request}`` from a JSON file."""
    try:
        prices = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError("--prices", f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError("--prices", f"{path}: not valid JSON: {exc}") from None
    if not isinstance(prices, dict):
        raise ConfigurationError("--prices", f"{path}: expected a JSON object {{model: USD per request}}")
    for model, price in prices.items():
        if isinstance(price, bool) or not isinstance(price, (int, float)) or not math.isfinite(price) or price < 0:
            raise ConfigurationError("--prices", f"{path}: price of {model!r} must be a number >= 0, got {price!r}")
    return {str(model): float(price) for model, price in prices.items()}


def data_costs(table: BenchmarkTable, models: Sequence[str], prices: Mapping[str, float] | None) -> np.ndarray:
    """Per-prompt cost of each model: the price file's per-request price, else the data's own."""
    columns = []
    for model in models:
        if prices is not None and model in prices:
            columns.append(np.full(len(table), prices[model]))
            continue
        column = table.cost_column(model)
        if column is None:
            raise ConfigurationError(
                "--prices", f"{table.source or 'the data'} publishes no costs; give {model!r} a price in a --prices file"
            )
        columns.append(column)
    return np.column_stack(columns)


def _predict(
    spec: str, table: BenchmarkTable, models: Sequence[str], costs: np.ndarray, batch_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """A router's predicted quality and cost for the selected models' columns.

    A router trained without costs is given each model's average cost on the data: a
    model-level figure (what a price list gives), never a per-prompt one.
    """
    from rich.console import Console
    from rich.progress import Progress

    from routed_llm.scorers.registry import resolve_scorer

    scorer = resolve_scorer(spec)
    trained = getattr(scorer, "models_", None)
    if not callable(getattr(scorer, "predict", None)) or trained is None:
        raise ConfigurationError(
            "--router", f"{spec!r} is not a trained N-model router (one that predicts each model's quality)"
        )
    missing = [model for model in models if model not in trained]
    if missing:
        raise ConfigurationError("--router", f"{spec!r} was not trained on {', '.join(missing)}")
    columns = [list(trained).index(model) for model in models]
    qualities, predicted_costs = [], []
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(f"scoring with {spec}", total=len(table))
        for start in range(0, len(table), batch_size):
            prediction = scorer.predict(list(table.prompts[start : start + batch_size]))
            qualities.append(prediction.quality[:, columns])
            if prediction.cost is not None:
                predicted_costs.append(prediction.cost[:, columns])
            progress.advance(task, len(prediction.quality))
    quality = np.vstack(qualities)
    cost = np.vstack(predicted_costs) if predicted_costs else np.broadcast_to(costs.mean(axis=0), quality.shape)
    return quality, cost


def _curves(
    specs: Sequence[str],
    predictions: Mapping[str, tuple[np.ndarray, np.ndarray]],
    quality: np.ndarray,
    costs: np.ndarray,
    rows: np.ndarray,
) -> dict[str, CostCurve]:
    from routed_llm.evaluation.cost_curve import oracle_curve, router_curve, zero_curve

    curves: dict[str, CostCurve] = {}
    for spec in specs:
        if spec == "zero":
            curves[spec] = zero_curve(quality, costs)
        elif spec == "oracle":
            curves[spec] = oracle_curve(quality, costs)
        else:
            predicted_quality, predicted_cost = predictions[spec]
            curves[spec] = router_curve(predicted_quality[rows], predicted_cost[rows], quality, costs)
    return curves


def _print_report(title: str, document: Mapping[str, Any]) -> None:
    from rich.table import Table

    from routed_llm.cli.common import router_labels
    from routed_llm.cli.eval import _console

    models = Table(title=title, caption="cost to reach: the cheapest average cost at which a router matches the "
                   "model's quality (— never)")
    routers = list(document["routers"])
    labels = router_labels(routers)
    for header in ("model", "quality", "avg cost (USD)", *(f"{labels[name]}: cost to reach" for name in routers)):
        models.add_column(header, justify="left" if header == "model" else "right", overflow="fold")
    for model, row in document["models"].items():
        reach = [document["routers"][name]["cost_at_quality"][model] for name in routers]
        models.add_row(model, f"{row['quality']:.3f}", f"{row['avg_cost']:.6f}",
                       *("—" if cost is None else f"{cost:.6f}" for cost in reach))
    _console().print(models)
    summary = Table(caption=f"AIQ: area under the non-decreasing convex hull up to {document['max_cost']:.6f} USD, "
                    "divided by it (RouterBench)")
    for header in ("router", "AIQ", "best quality", "at avg cost"):
        summary.add_column(header, justify="left" if header == "router" else "right", overflow="fold")
    for name, row in document["routers"].items():
        cost, quality = row["curve"][-1]
        summary.add_row(labels[name], f"{row['aiq']:.4f}", f"{quality:.3f}", f"{cost:.6f}")
    _console().print(summary)
