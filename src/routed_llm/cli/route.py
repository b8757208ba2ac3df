"""``routed-llm route``: show which model each prompt would go to, calling none."""

from __future__ import annotations

import argparse
import json
import sys

from routed_llm.cli.common import add_router_option, read_prompt_lines

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "route",
        help="print the routing decision for prompts (no model is called)",
        description=(
            "Score each prompt and print which model it would go to. Prompts come from the "
            "arguments, or one per line from standard input when none are given. No model "
            "is called and no API key is needed."
        ),
        epilog="Example: routed-llm route 'hello' 'prove that sqrt(2) is irrational' --threshold 0.3",
    )
    parser.add_argument("prompts", nargs="*", metavar="PROMPT", help="prompts to route (default: stdin lines)")
    add_router_option(parser)
    cut = parser.add_mutually_exclusive_group()
    cut.add_argument("--threshold", type=float, help="strong when score >= THRESHOLD (default 0.5)")
    cut.add_argument("--strong-share", type=float, metavar="SHARE",
                     help="target share of prompts for the strong model, from the router's calibration")
    parser.add_argument("--strong", default="strong", metavar="MODEL", help="strong model name to print")
    parser.add_argument("--weak", default="weak", metavar="MODEL", help="weak model name to print")
    parser.add_argument("--json", action="store_true", help="print one JSON decision per line")
    parser.add_argument("--list-routers", action="store_true", help="list the registered router names and exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from routed_llm.client import RoutedClient
    from routed_llm.scorers.registry import available_scorers

    if args.list_routers:
        print("\n".join(available_scorers()))
        return 0
    client = RoutedClient(args.strong, args.weak, router=args.router, threshold=args.threshold,
                          strong_share=args.strong_share)
    prompts = args.prompts or read_prompt_lines(None)
    for prompt in prompts:
        decision = client.route(prompt)
        if args.json:
            print(json.dumps({"prompt": prompt, **decision.to_dict()}))
        else:
            preview = prompt if len(prompt) <= 60 else prompt[:57] + "..."
            print(f"{decision.role:6} {decision.model:24} score={decision.score:.3f} "
                  f"threshold={decision.threshold:.3f} {decision.latency_ms:7.3f}ms  {preview}")
        sys.stdout.flush()
    return 0
