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
    parser.add_argument("--strong", metavar="MODEL", help="strong model name to print beside the role")
    parser.add_argument("--weak", metavar="MODEL", help="weak model name to print beside the role")
    parser.add_argument("--json", action="store_true", help="print one JSON decision per line")
    parser.add_argument("--list-routers", "--list-scorers", action="store_true",
                        help="list the scorer names, which are ready to use and how to train the others, and exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from routed_llm.client import RoutedClient

    if args.list_routers:
        print(list_routers())
        return 0
    client = RoutedClient(args.strong or "strong", args.weak or "weak", scorer=args.scorer,
                          threshold=args.threshold, strong_share=args.strong_share)
    named = args.strong is not None or args.weak is not None
    prompts = args.prompts or read_prompt_lines(None)
    for prompt in prompts:
        decision = client.route(prompt)
        if args.json:
            print(json.dumps({"prompt": prompt, **decision.to_dict()}))
        else:
            preview = prompt if len(prompt) <= 60 else prompt[:57] + "..."
            model = f"{decision.model:24} " if named else ""
            print(f"{decision.role:6} {model}score={decision.score:.3f} "
                  f"threshold={decision.threshold:.3f} {decision.latency_ms:7.3f}ms  {preview}")
        sys.stdout.flush()
    return 0


def list_routers() -> str:
    """One line per scorer name: ready to use (and what it needs), or how to train it first."""
    from routed_llm.scorers.registry import available_scorers

    entries = available_scorers()
    width = max(map(len, entries))
    return "\n".join(f"{name:{width}}  {'ready' if entry.ready else 'train first':11}  {entry.usage}"
                     for name, entry in sorted(entries.items(), key=lambda item: not item[1].ready))
