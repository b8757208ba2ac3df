"""The ``routed-llm`` command.

Each subcommand lives in its own module with a ``register(subparsers)`` function that
adds its parser and sets ``func``; modules keep their heavy imports inside ``func`` so
``routed-llm --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from routed_llm import __version__
from routed_llm.errors import RoutedLLMError

__all__ = ["main"]

_SUBCOMMANDS = ("route", "calibrate", "eval", "label", "train")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="routed-llm",
        description=(
            "Cost-aware routing between a strong (expensive) and a weak (cheap) LLM. "
            "A router scores how much each prompt needs the strong model; a threshold "
            "turns the score into a choice."
        ),
        epilog="Run 'routed-llm COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"routed-llm {__version__}")
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    for name in _SUBCOMMANDS:
        importlib.import_module(f"routed_llm.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except RoutedLLMError as exc:
        print(f"routed-llm {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `routed-llm route ... | head`
        return 0
