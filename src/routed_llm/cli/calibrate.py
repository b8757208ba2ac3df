"""``routed-llm calibrate``: the threshold that sends a target share to the strong model."""

from __future__ import annotations

import argparse
import json

from routed_llm.cli.common import add_router_option, read_prompts

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="find the threshold that sends a target share of prompts to the strong model",
        description=(
            "Score a file of representative prompts (one per line, or JSON Lines) and print the threshold "
            "at which STRONG_SHARE of them would go to the strong model, as RouteLLM's "
            "calibration does. Use the printed value as RoutedClient(threshold=...)."
        ),
        epilog="Example: routed-llm calibrate --prompts traffic.txt --strong-share 0.3",
    )
    parser.add_argument("--prompts", metavar="FILE",
                        help="one prompt per line ('-' or absent: stdin), or a .jsonl file of objects with "
                        "'prompt' or 'messages'")
    parser.add_argument("--strong-share", type=float, required=True, metavar="SHARE",
                        help="wanted share of strong-model calls, in [0, 1]")
    add_router_option(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from routed_llm.errors import ConfigurationError
    from routed_llm.routing.threshold import threshold_for_share
    from routed_llm.scorers.base import check_scores
    from routed_llm.scorers.registry import resolve_scorer

    prompts = list(read_prompts(args.prompts))
    if not prompts:
        raise ConfigurationError("--prompts", "no prompts to calibrate on")
    scorer = resolve_scorer(args.scorer)
    scores = check_scores(scorer.score(prompts), len(prompts), scorer.name)
    threshold = threshold_for_share(scores, args.strong_share)
    achieved = float(np.mean(scores >= threshold))
    if args.json:
        print(json.dumps({"router": scorer.name, "n": len(prompts), "strong_share": args.strong_share,
                          "threshold": threshold, "achieved_share": achieved}))
    else:
        print(f"threshold {threshold:.6f} sends {achieved:.1%} of {len(prompts)} prompts to the strong "
              f"model (target {args.strong_share:.1%}, router {scorer.name})")
    return 0
