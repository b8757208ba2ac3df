"""Verify, then escalate: cascade operating points against prompt-only routing, through the real client.

Held-out rows (fixed and documented): ``holdout_mask(source, 0.3, seed=25)`` from
``routed_llm.training.split`` over the RouterBench ARC-Challenge, Winogrande and MBPP rows
and RouteLLM's GSM8K rows with responses (30% of each source, the same rows every run). The
learned verifier trains only on the other 70%.

Every call goes through ``RoutedClient`` (litellm, the router, the ledger) against
``routed_llm.testing.ReplayProvider``, which answers each model's recorded answer at its
recorded USD cost (GSM8K records none: its calls are priced at litellm's GPT-4-1106 and
Together Mixtral-8x7B prices from the text lengths). Per held-out row the script makes:
the route-mode call at default settings (the shipped default router, its default threshold),
and the weak, strong and checker calls a cascade makes, each with ``route_to=`` on a client
whose weak model is that model. The acceptance setting (GPT-4-1106 strong, Mixtral-8x7B weak,
Yi-34B checker, default settings) runs as users run it: ``RoutedClient(mode="cascade",
checker=...)`` on every held-out ARC-Challenge and Winogrande row, and so do the hybrid mode at
its default band and ``strong_share=0.3``; their gain and cost are the answers received and
every call's recorded cost (``decision.cost``, checked against ``usage()``). The curves over
every verifier, checker and band are computed from the replayed calls: a cascade pays the weak
call and every checker call it uses on every request, and the strong call when it escalates.

Curves: requests are escalated in order of the verifier's escalation score, ties broken by
the prompt router's score (so a binary verdict still gives a curve); where a verifier
abstains the router's score stands in. "default" is the verdict as the verifier gives it
(escalate when the score is >= 0.5). Hybrid: the router sends its lowest-scored share
straight to the weak model and its highest straight to the strong, and cascades the band
between. Gain = (quality - weak's) / (strong's - weak's) on the same rows; cost share =
total cost of every call / always-strong cost.

    python benchmarks/cascade.py [--data ../shared/data] [--workers 8] [--plot docs/assets/cascade.png]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routed_llm import RoutedClient
from routed_llm.evaluation.loaders.responses import ResponseRecord, load_gsm8k_responses, load_routerbench_responses
from routed_llm.testing.replay import ReplayProvider
from routed_llm.training.split import holdout_mask
from routed_llm.training.verifier import train_learned_verifier
from routed_llm.verifiers import Evidence, Reply, resolve_verifier
from routed_llm.verifiers.base import BaseVerifier

HOLDOUT, SEED = 0.3, 25
STRONG = "gpt-4-1106-preview"
WEAK = {"arc-challenge": "mistralai/mixtral-8x7b-chat", "winogrande": "mistralai/mixtral-8x7b-chat",
        "mbpp": "mistralai/mixtral-8x7b-chat", "gsm8k": "mistralai/Mixtral-8x7B-Instruct-v0.1"}
YI, MISTRAL, LLAMA = "zero-one-ai/Yi-34B-Chat", "mistralai/mistral-7b-chat", "meta/llama-2-70b-chat"
CHECKERS = {"arc-challenge": (YI, MISTRAL, LLAMA), "winogrande": (YI, MISTRAL, LLAMA), "mbpp": (YI, MISTRAL, LLAMA),
            "gsm8k": ()}
PRICE_MODELS = {"mistralai/Mixtral-8x7B-Instruct-v0.1": "together_ai/mistralai/Mixtral-8x7B-Instruct-v0.1",
                STRONG: STRONG}
GROUPS = {"ARC-Challenge + Winogrande": ("arc-challenge", "winogrande"), "MBPP": ("mbpp",), "GSM8K": ("gsm8k",)}
HYBRID_BANDS = ((0.2, 1.0), (0.3, 1.0), (0.4, 1.0), (0.2, 0.9), (0.3, 0.9))
PREFIX = "openai/"
_CODE_BLOCK = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)


@dataclass
class Row:
    """One held-out request as the client saw it: each model's replayed answer and cost."""

    record: ResponseRecord
    router_score: float
    route_model: str
    route_cost: float
    answers: dict[str, str]
    costs: dict[str, float]

    def score(self, model: str) -> float:
        return self.record.scores[model]


def load(data: Path) -> list[ResponseRecord]:
    records = load_routerbench_responses(data / "routerbench")
    gsm8k = data / "routellm" / "gsm8k" / "gsm8k_responses.csv"
    if gsm8k.is_file():
        records += load_gsm8k_responses(gsm8k)
    return [r for r in records if r.source in WEAK and {STRONG, WEAK[r.source], *CHECKERS[r.source]} <= r.scores.keys()]


def replay(held: list[ResponseRecord], workers: int) -> list[Row]:
    """Every call a route-mode request and a cascade make, through RoutedClient against the replay."""
    with ReplayProvider(held, price_models=PRICE_MODELS) as provider:
        common = {"api_base": provider.base_url, "api_key": "sk-replay", "prices": provider.prices(PREFIX)}
        route_clients = {weak: RoutedClient(strong=PREFIX + STRONG, weak=PREFIX + weak, **common)
                         for weak in set(WEAK.values())}
        callers = {model: RoutedClient(strong=PREFIX + STRONG, weak=PREFIX + model, **common)
                   for model in {*WEAK.values(), *(c for cs in CHECKERS.values() for c in cs)}}

        def one(record: ResponseRecord) -> Row:
            weak = WEAK[record.source]
            routed = route_clients[weak].complete(record.prompt)
            answers, costs = {}, {}
            for model in (STRONG, weak, *CHECKERS[record.source]):
                reply = callers[weak if model == STRONG else model].complete(
                    record.prompt, route_to="strong" if model == STRONG else "weak")
                answers[model], costs[model] = reply.content or "", float(reply.decision.cost or 0.0)
            return Row(record, routed.decision.score, routed.decision.model.removeprefix(PREFIX),
                       float(routed.decision.cost or 0.0), answers, costs)

        with ThreadPoolExecutor(workers) as pool:
            rows = list(pool.map(one, held))
        if provider.unpriced():
            print(f"unpriced (cost 0): {provider.unpriced()}", file=sys.stderr)
    return rows


@dataclass(frozen=True)
class ClientRun:
    """What users of one cascade-mode client received on a group of held-out rows."""

    label: str
    quality: np.ndarray
    cost: float
    ledger_cost: float
    strong_share: float
    cheap_first: float
    cheap_ms: float


def run_client(held: list[ResponseRecord], label: str, workers: int, **settings: object) -> ClientRun:
    """Every row through one ``RoutedClient`` in cascade or hybrid mode against the replay, in a
    seeded random order: traffic arrives mixed, and an online cut (``strong_share``) learns from
    the order requests come in (sorted by source, strong_share=0.3 ended 0.50 strong)."""
    weak = WEAK[held[0].source]
    held = [held[i] for i in np.random.default_rng(SEED).permutation(len(held))]
    with ReplayProvider(held, price_models=PRICE_MODELS) as provider:
        client = RoutedClient(strong=PREFIX + STRONG, weak=PREFIX + weak, api_base=provider.base_url,
                              api_key="sk-replay", prices=provider.prices(PREFIX), **settings)
        with ThreadPoolExecutor(workers) as pool:
            replies = list(pool.map(lambda record: client.complete(record.prompt), held))
        ledger = client.usage().cost
    decisions = [reply.decision for reply in replies]
    quality = np.array([r.scores[d.model.removeprefix(PREFIX)] for r, d in zip(held, decisions, strict=True)])
    cascaded = [d.extra["cascade"] for d in decisions if d.policy == "cascade"]
    cheap_ms = [max(c["latency_ms"] for c in x["calls"] if c["role"] != "strong") for x in cascaded if x["escalated"]]
    return ClientRun(label, quality, float(sum(d.cost or 0.0 for d in decisions)), float(ledger),
                     float(np.mean([d.role == "strong" for d in decisions])),
                     sum(x["escalated"] for x in cascaded) / len(decisions),
                     statistics.median(cheap_ms) if cheap_ms else float("nan"))


def client_runs(setting: Setting, workers: int) -> list[ClientRun]:
    """The acceptance setting, hybrid at its default band and strong_share=0.3, through the client."""
    held = [row.record for row in setting.rows]
    runs = [run_client(held, "cascade, checker Yi-34B, defaults", workers, mode="cascade", checker=PREFIX + YI),
            run_client(held, "hybrid, checker Yi-34B, default band", workers, mode="hybrid", checker=PREFIX + YI),
            run_client(held, "cascade, checker Yi-34B, strong_share=0.3", workers, mode="cascade",
                       checker=PREFIX + YI, strong_share=0.3)]
    prompt_only = setting.prompt_only()
    print("\nthrough RoutedClient (every call counted; cost = sum of decision.cost / always-strong):")
    for run in runs:
        gain, cost = setting.gain(run.quality), run.cost / setting.always_strong
        p_only = prompt_only.gain_at(cost)
        print(f"  {run.label:42} gain {gain:.3f} cost {cost:.3f} prompt-only at that cost {p_only:.3f} "
              f"lead {gain - p_only:.3f}; ended strong {run.strong_share:.3f}; paid a cheap call before the strong "
              f"{run.cheap_first:.3f} (cheap phase p50 {run.cheap_ms:.1f} ms on loopback); "
              f"usage() cost matches: {abs(run.ledger_cost - run.cost) < 1e-9}")
    acceptance = runs[0]
    gain, cost = setting.gain(acceptance.quality), acceptance.cost / setting.always_strong
    lead = gain - prompt_only.gain_at(cost)
    print(f"acceptance (client, defaults): gain {gain:.3f} (>= 0.75: {gain >= 0.75}), cost {cost:.3f} "
          f"(<= 0.40: {cost <= 0.40}), lead {lead:.3f} (>= 0.20: {lead >= 0.20})")
    return runs


def plot(path: Path, setting: Setting, results: list[Result], runs: list[ClientRun]) -> None:
    """Quality against cost on ARC-Challenge + Winogrande: prompt-only against cascade variants."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    curve = setting.prompt_only()
    ax.plot(curve.cost, curve.gain, color="black", label="prompt-only routing (default router)")
    shown = {("agree Yi-34B", "cascade"), ("agree Mistral-7B", "cascade"), ("learned + Yi-34B", "cascade"),
             ("learned + Yi-34B", "0.2-1.0")}
    for name, band, curve, *_ in results:
        if (name, band) in shown:
            ax.plot(curve.cost, curve.gain, label=f"cascade: {name}" + ("" if band == "cascade" else f", hybrid {band}"))
    for run, marker in zip(runs, "o^s", strict=False):
        ax.scatter([run.cost / setting.always_strong], [setting.gain(run.quality)], marker=marker, s=60, zorder=5,
                   label=f"RoutedClient: {run.label}")
    ax.set_xlabel("cost, share of always-GPT-4 (every call counted)")
    ax.set_ylabel("share of GPT-4's gain over Mixtral recovered")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.1, 1.1)
    ax.grid(alpha=0.3)
    ax.set_title(f"ARC-Challenge + Winogrande, {len(setting.rows)} held-out rows")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    print(f"plot written to {path}")


def evidence(row: Row, checkers: Sequence[str]) -> Evidence:
    weak = WEAK[row.record.source]
    return Evidence(row.record.prompt, Reply(row.answers[weak], model=weak),
                    tuple(Reply(row.answers[c], model=c) for c in checkers))


@dataclass(frozen=True)
class Curve:
    """Cost share and gain after escalating the first k requests of an order (k = 0..n)."""

    cost: np.ndarray
    gain: np.ndarray

    def gain_at(self, share: float) -> float:
        inside = self.cost <= share + 1e-12
        return float(self.gain[inside].max()) if inside.any() else float("nan")

    def cost_for(self, gain: float) -> float:
        reached = self.gain >= gain - 1e-12
        return float(self.cost[reached].min()) if reached.any() else float("nan")


class Setting:
    """Quality and cost arrays of one group of rows, and the curves built on them."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.strong_q = np.array([r.score(STRONG) for r in rows])
        self.weak_q = np.array([r.score(WEAK[r.record.source]) for r in rows])
        self.strong_c = np.array([r.costs[STRONG] for r in rows])
        self.weak_c = np.array([r.costs[WEAK[r.record.source]] for r in rows])
        self.router = np.array([r.router_score for r in rows])
        self.always_strong = float(self.strong_c.sum())
        self.span = float(self.strong_q.mean() - self.weak_q.mean())

    def gain(self, quality: np.ndarray) -> float:
        return float((quality.mean() - self.weak_q.mean()) / self.span)

    def curve(self, order: np.ndarray, base_cost: np.ndarray, escalate_cost: np.ndarray,
              base_q: np.ndarray, escalate_q: np.ndarray) -> Curve:
        """Escalate rows in ``order``: each moves from its base cost/quality to its escalated one."""
        cost = base_cost.sum() + np.concatenate([[0.0], np.cumsum((escalate_cost - base_cost)[order])])
        quality = base_q.sum() + np.concatenate([[0.0], np.cumsum((escalate_q - base_q)[order])])
        return Curve(cost / self.always_strong, (quality / len(order) - self.weak_q.mean()) / self.span)

    def prompt_only(self) -> Curve:
        order = np.argsort(-self.router, kind="stable")
        return self.curve(order, self.weak_c, self.strong_c, self.weak_q, self.strong_q)

    def cascade(self, scores: np.ndarray, checker_cost: np.ndarray, band: tuple[float, float] = (0.0, 1.0)):
        """(curve, default gain, default cost share, share of requests escalated after a cheap call)."""
        low, high = np.quantile(self.router, band[0]), np.quantile(self.router, band[1])
        direct_weak = self.router < low if band[0] > 0 else np.zeros(len(scores), bool)
        direct_strong = self.router > high if band[1] < 1 else np.zeros(len(scores), bool)
        cascaded = ~direct_weak & ~direct_strong
        cheap = self.weak_c + checker_cost
        base_c = np.where(direct_strong, self.strong_c, np.where(cascaded, cheap, self.weak_c))
        base_q = np.where(direct_strong, self.strong_q, self.weak_q)
        escalate_c = np.where(cascaded, cheap + self.strong_c, base_c)
        escalate_q = np.where(cascaded, self.strong_q, base_q)
        order_in = np.lexsort((-self.router, -scores))
        order = np.concatenate([order_in[cascaded[order_in]], order_in[~cascaded[order_in]]])
        curve = self.curve(order, base_c, escalate_c, base_q, escalate_q)
        escalated = cascaded & (scores >= 0.5)
        quality = np.where(escalated, self.strong_q, base_q)
        cost = np.where(escalated, escalate_c, base_c).sum() / self.always_strong
        return curve, self.gain(quality), float(cost), float(escalated.mean())


def scores_of(verifier: BaseVerifier, items: list[Evidence], router: np.ndarray) -> np.ndarray:
    """Escalation scores; where the verifier abstains, the prompt router's score decides."""
    verdicts = verifier.verify_many(items)
    return np.array([router[i] if v is None else v for i, v in enumerate(verdicts)])


def timed_p50_ms(verifier: BaseVerifier, items: list[Evidence]) -> float:
    times = []
    for item in items:
        started = time.perf_counter()
        verifier.verify(item)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--plot", type=Path, default=None, help="write the quality/cost PNG here")
    args = parser.parse_args()
    if not (args.data / "routerbench").is_dir():
        print(f"no RouterBench data under {args.data}; see ../shared/data/README.md", file=sys.stderr)
        return 1
    records = load(args.data)
    held_mask = holdout_mask([r.source for r in records], HOLDOUT, SEED)
    held = [r for r, h in zip(records, held_mask, strict=True) if h]
    train = [r for r, h in zip(records, held_mask, strict=True) if not h]
    print(f"held-out rows: {len(held)} of {len(records)} (fraction {HOLDOUT}, seed {SEED}); "
          f"learned verifiers train on the other {len(train)}")
    started = time.perf_counter()
    learned = {
        "learned (prompt + answer)": (train_learned_verifier(train, WEAK, use_others=False), ()),
        "learned + Yi-34B": (train_learned_verifier([r for r in train if CHECKERS[r.source]], WEAK, (YI,)), (YI,)),
        "learned + 3 checkers": (train_learned_verifier([r for r in train if CHECKERS[r.source]], WEAK,
                                                        (YI, MISTRAL, LLAMA)), (YI, MISTRAL, LLAMA)),
    }
    print(f"trained 3 learned verifiers in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    rows = replay(held, args.workers)
    print(f"replayed {len(rows)} requests through RoutedClient ({sum(len(r.answers) + 1 for r in rows)} calls) "
          f"in {time.perf_counter() - started:.1f} s")

    agreement = resolve_verifier("agreement")
    configs: list[tuple[str, BaseVerifier, tuple[str, ...]]] = [
        ("agree Yi-34B", agreement, (YI,)), ("agree Mistral-7B", agreement, (MISTRAL,)),
        ("agree Llama-2-70B", agreement, (LLAMA,)), ("agree Yi + Mistral", agreement, (YI, MISTRAL)),
        ("agree 3 checkers", agreement, (YI, MISTRAL, LLAMA)),
        *((name, verifier, checkers) for name, (verifier, checkers) in learned.items()),
    ]
    for group, sources in GROUPS.items():
        setting = Setting([r for r in rows if r.record.source in sources])
        results = report(group, setting, configs)
        summarise(group, results)
        if group == "ARC-Challenge + Winogrande":
            runs = client_runs(setting, args.workers)
            if args.plot is not None:
                plot(args.plot, setting, results, runs)
    timing(rows, agreement, learned["learned + Yi-34B"][0])
    return 0


Result = tuple[str, str, Curve, float, float, float]
"""(verifier, band, curve, default gain, default cost share, prompt-only gain at that cost)."""


def summarise(group: str, results: list[Result]) -> None:
    """The acceptance setting's figures and the best combination at 30% and 40% of always-strong cost."""
    if not results:
        return
    print(f"-- {group} summary")
    for name, band, _, gain, cost, p_only in results:
        if (name, band) == ("agree Yi-34B", "cascade"):
            print(f"acceptance setting (GPT-4-1106 strong, Mixtral-8x7B weak, checker Yi-34B, default verdict): "
                  f"gain {gain:.3f} (>= 0.75: {gain >= 0.75}), cost {cost:.3f} (<= 0.40: {cost <= 0.40}), "
                  f"lead over prompt-only at that cost {gain - p_only:.3f} (>= 0.20: {gain - p_only >= 0.20})")
    for share in (0.3, 0.4):
        name, band, curve, *_ = max(results, key=lambda result: np.nan_to_num(result[2].gain_at(share), nan=-9))
        print(f"best at cost <= {share:.0%}: {name} ({band}), gain {curve.gain_at(share):.3f}")
    name, band, _, gain, cost, _ = max((r for r in results if r[4] <= 0.3), key=lambda r: r[3],
                                       default=("none", "", None, float("nan"), float("nan"), 0.0))
    print(f"best default verdict at cost <= 30%: {name} ({band}), gain {gain:.3f} at cost {cost:.3f}")


def report(group: str, setting: Setting, configs: list[tuple[str, BaseVerifier, tuple[str, ...]]]) -> list[Result]:
    rows = setting.rows
    if not rows:
        print(f"\n== {group}: no held-out rows")
        return []
    route_q = np.array([r.score(r.route_model) for r in rows])
    route_cost = sum(r.route_cost for r in rows) / setting.always_strong
    prompt_only = setting.prompt_only()
    print(f"\n== {group}: {len(rows)} held-out rows; strong {setting.strong_q.mean():.3f}, "
          f"weak {setting.weak_q.mean():.3f}; weak alone costs {setting.weak_c.sum() / setting.always_strong:.3f}")
    print(f"route mode, default router at default settings: gain {setting.gain(route_q):.3f} at cost "
          f"{route_cost:.3f} (prompt-only curve at that cost: {prompt_only.gain_at(route_cost):.3f})")
    header = (f"{'verifier':30} {'band':9} {'gain':>6} {'cost':>6} {'esc':>5} {'p-only':>6} {'lead':>6} "
              f"{'g@30%':>6} {'g@40%':>6} {'c@50%':>6} {'c@80%':>6} {'c@95%':>6}")
    print(header)
    print(f"{'prompt-only router':30} {'-':9} {'':>6} {'':>6} {'':>5} {'':>6} {'':>6} {prompt_only.gain_at(0.3):6.3f} "
          f"{prompt_only.gain_at(0.4):6.3f} " + " ".join(f"{prompt_only.cost_for(g):6.3f}" for g in (0.5, 0.8, 0.95)))
    applicable = [(n, v, c) for n, v, c in configs if all(c_ in rows[0].answers for c_ in c)]
    results: list[Result] = []
    for name, verifier, checkers in applicable:
        items = [evidence(r, checkers) for r in rows]
        scores = scores_of(verifier, items, setting.router)
        checker_cost = np.array([sum(r.costs[c] for c in checkers) for r in rows])
        for band in ((0.0, 1.0), *HYBRID_BANDS):
            curve, gain, cost, escalated = setting.cascade(scores, checker_cost, band)
            p_only = prompt_only.gain_at(cost)
            label = "cascade" if band == (0.0, 1.0) else f"{band[0]:.1f}-{band[1]:.1f}"
            results.append((name, label, curve, gain, cost, p_only))
            print(f"{name:30} {label:9} {gain:6.3f} {cost:6.3f} {escalated:5.3f} {p_only:6.3f} {gain - p_only:6.3f} "
                  f"{curve.gain_at(0.3):6.3f} {curve.gain_at(0.4):6.3f} "
                  + " ".join(f"{curve.cost_for(g):6.3f}" for g in (0.5, 0.8, 0.95)))
    print("gain/cost/esc: at the verifier's own verdict (escalate when score >= 0.5); esc = share of requests that "
          "paid a cheap call first and then the strong one; p-only: prompt-only routing's best gain at that cost; "
          "g@x: best gain at cost <= x; c@x: least cost reaching gain x (nan: never)")
    return results


def prose(rows: list[Row], verifier: BaseVerifier) -> list[Evidence]:
    """MBPP replies with their code removed: free text, compared by embedding (encoder loaded first)."""
    items = [Evidence("Explain your approach.", Reply(_CODE_BLOCK.sub("", r.answers[WEAK[r.record.source]])[:1000]),
                      (Reply(_CODE_BLOCK.sub("", r.answers[YI])[:1000]),)) for r in rows]
    verifier.verify(items[0])  # load the embeddings outside the timing
    return items


def timing(rows: list[Row], agreement: BaseVerifier, learned: BaseVerifier) -> None:
    """The verifier's own work per request (extraction + comparison, no calls), p50 over the held-out rows."""
    rb = [r for r in rows if CHECKERS[r.record.source]]
    mbpp = [r for r in rb if r.record.source == "mbpp"]
    cases: list[tuple[str, Callable[[], float]]] = [
        ("agreement, Yi-34B (all RouterBench rows)", lambda: timed_p50_ms(agreement, [evidence(r, (YI,)) for r in rb])),
        ("agreement, Yi-34B (MBPP code only)", lambda: timed_p50_ms(agreement, [evidence(r, (YI,)) for r in mbpp])),
        ("agreement, 3 checkers", lambda: timed_p50_ms(agreement, [evidence(r, (YI, MISTRAL, LLAMA)) for r in rb])),
        ("learned + Yi-34B", lambda: timed_p50_ms(learned, [evidence(r, (YI,)) for r in rb])),
        ("agreement, free text by embedding (MBPP prose)", lambda: timed_p50_ms(agreement, prose(mbpp, agreement))),
    ]
    print("\nverifier's own work per request (p50, ms):")
    for name, measure in cases:
        print(f"  {name:42} {measure():.3f}")


if __name__ == "__main__":
    raise SystemExit(main())
