"""What an evaluation produces: the JSON documents later checks read, and per-domain rows."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import ConfigurationError
from routed_llm.evaluation.cost_curve import CostCurve, single_model_points
from routed_llm.evaluation.metrics import RouterMetrics

__all__ = ["DomainRow", "cost_quality_report", "domain_breakdown", "report_dict"]


@dataclass(frozen=True)
class DomainRow:
    """One domain's model qualities and each router's result at one global strong share.

    The routers keep their global threshold (the one that gives the chosen share over the
    whole set), so ``strong_share`` shows where a router spends its strong calls and
    ``pgr`` how much of the domain's gap that buys. PGR is NaN where both models tie.
    """

    domain: str
    n: int
    weak_quality: float
    strong_quality: float
    strong_share: Mapping[str, float]
    pgr: Mapping[str, float]


def domain_breakdown(
    table: BenchmarkTable, strong: str, weak: str, weights: Mapping[str, np.ndarray]
) -> list[DomainRow]:
    """Rows per domain, largest first; ``weights[router]`` is each prompt's strong-call probability."""
    if table.domains is None:
        raise ConfigurationError("by_domain", f"{table.source or 'the data'} has no domains or tasks")
    domains = np.asarray(table.domains, dtype=object)
    strong_column, weak_column = table.column(strong), table.column(weak)
    rows = []
    for domain in sorted(set(table.domains), key=lambda name: (-int(np.sum(domains == name)), name)):
        mask = domains == domain
        strong_quality, weak_quality = float(strong_column[mask].mean()), float(weak_column[mask].mean())
        gap = strong_quality - weak_quality
        shares, pgrs = {}, {}
        for router, router_weights in weights.items():
            routed = weak_column[mask] + router_weights[mask] * (strong_column[mask] - weak_column[mask])
            shares[router] = float(router_weights[mask].mean())
            pgrs[router] = float((routed.mean() - weak_quality) / gap) if gap != 0 else math.nan
        rows.append(DomainRow(domain, int(mask.sum()), weak_quality, strong_quality, shares, pgrs))
    return rows


def report_dict(
    data: str, table: BenchmarkTable, strong: str, weak: str, results: Mapping[str, RouterMetrics]
) -> dict[str, Any]:
    """The ``--json`` document: shares and CPT as fractions, NaN written as ``null``."""
    first = next(iter(results.values()))
    return {
        "data": data,
        "n": len(table),
        "strong_model": strong,
        "weak_model": weak,
        "strong_quality": _finite(first.strong_quality),
        "weak_quality": _finite(first.weak_quality),
        "routers": {
            name: {
                "apgr": _finite(metrics.apgr),
                "cpt50": _finite(metrics.cpt50),
                "cpt80": _finite(metrics.cpt80),
                "auc": _finite(metrics.auc),
                "curve": metrics.sampled_curve(),
            }
            for name, metrics in results.items()
        },
    }


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def cost_quality_report(
    models: Sequence[str], quality: np.ndarray, costs: np.ndarray, curves: Mapping[str, CostCurve]
) -> dict[str, Any]:
    """The N-model ``--json`` body: each model's point, and per router its AIQ, hull and
    the cost at which it reaches each single model's quality (``None``: never)."""
    points = single_model_points(quality, costs)
    max_cost = max(float(points[:, 0].max()), *(float(curve.hull[:, 0].max()) for curve in curves.values()))
    rows = {model: {"quality": float(q), "avg_cost": float(c)} for model, (c, q) in zip(models, points, strict=True)}
    return {
        "n": int(quality.shape[0]),
        "max_cost": max_cost,
        "models": rows,
        "routers": {
            name: {
                "aiq": curve.aiq(max_cost),
                "curve": [[float(c), float(q)] for c, q in curve.hull],
                "cost_at_quality": {model: curve.cost_for(row["quality"]) for model, row in rows.items()},
            }
            for name, curve in curves.items()
        },
    }
