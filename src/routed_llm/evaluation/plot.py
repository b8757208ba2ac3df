"""The quality-versus-strong-share and quality-versus-cost figures, drawn without pyplot's global state."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from routed_llm.errors import ConfigurationError
from routed_llm.evaluation.cost_curve import CostCurve
from routed_llm.evaluation.metrics import RouterMetrics

__all__ = ["plot_cost_curves", "plot_curves"]


def plot_curves(
    results: Mapping[str, RouterMetrics],
    oracle: RouterMetrics,
    *,
    strong: str,
    weak: str,
    title: str,
    path: str | Path,
) -> Path:
    """Write every router's curve, the two models' lines and the oracle to ``path`` (PNG, SVG...).

    A bare :class:`~matplotlib.figure.Figure` with the Agg canvas needs no display and
    leaves the process's pyplot backend alone.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ConfigurationError("plot", "needs matplotlib: pip install 'routed-llm[eval]'") from None

    figure = Figure(figsize=(9, 5.5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.axhline(oracle.strong_quality, color="tab:red", linestyle="--", linewidth=1, label=f"{strong} (strong)")
    axes.axhline(oracle.weak_quality, color="grey", linestyle="--", linewidth=1, label=f"{weak} (weak)")
    axes.plot(oracle.curve[:, 0] * 100, oracle.curve[:, 1], color="black", linestyle=":",
              label=f"oracle (APGR {oracle.apgr:.3f})")
    for name, metrics in results.items():
        if name == "oracle":
            continue
        axes.plot(metrics.curve[:, 0] * 100, metrics.curve[:, 1], linewidth=1.6,
                  label=f"{name} (APGR {metrics.apgr:.3f})")
    axes.set_xlim(0, 100)
    axes.set_xlabel("Strong model calls (%)")
    axes.set_ylabel("Quality (mean over prompts)")
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower right", fontsize="small")
    target = Path(path).expanduser()
    try:
        figure.savefig(target, dpi=120)
    except (OSError, ValueError) as exc:
        raise ConfigurationError("plot", f"cannot write {target}: {exc}") from None
    return target


def plot_cost_curves(
    models: Mapping[str, tuple[float, float]], curves: Mapping[str, CostCurve], *, title: str, path: str | Path
) -> Path:
    """Write the N-model figure: each model's ``(average cost, quality)`` point, the zero
    router (their hull), the oracle and every router's hull, to ``path``."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ConfigurationError("plot", "needs matplotlib: pip install 'routed-llm[eval]'") from None

    figure = Figure(figsize=(9, 5.5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for name, (cost, quality) in models.items():
        axes.scatter([cost], [quality], color="grey", s=18, zorder=3)
        axes.annotate(name.rsplit("/", 1)[-1], (cost, quality), fontsize=7, xytext=(3, 3), textcoords="offset points")
    styles = {"zero": {"color": "grey", "linestyle": "--"}, "oracle": {"color": "black", "linestyle": ":"}}
    for name, curve in curves.items():
        # a mixture of two points is a straight segment in linear cost: sample it densely so the
        # log-scaled axis shows the true frontier rather than chords between vertices
        segments = zip(curve.hull[:-1, 0], curve.hull[1:, 0], strict=True)
        costs = np.concatenate([np.linspace(a, b, 32, endpoint=False) for a, b in segments] + [curve.hull[-1:, 0]])
        axes.plot(costs, np.interp(costs, curve.hull[:, 0], curve.hull[:, 1]), linewidth=1.6, label=name,
                  **styles.get(name, {}))
    axes.set_xscale("log")
    axes.set_xlabel("Average cost per request (USD, log scale)")
    axes.set_ylabel("Quality (mean over prompts)")
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower right", fontsize="small")
    target = Path(path).expanduser()
    try:
        figure.savefig(target, dpi=120)
    except (OSError, ValueError) as exc:
        raise ConfigurationError("plot", f"cannot write {target}: {exc}") from None
    return target
