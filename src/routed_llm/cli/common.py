"""Options and helpers several subcommands share."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from routed_llm.errors import ConfigurationError

__all__ = ["add_router_option", "read_prompt_lines"]


def add_router_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--router",
        default="default",
        metavar="SPEC",
        help="router to score with: a registered name (see 'routed-llm route --list-routers') "
        "or the path of a saved router directory (default: %(default)s)",
    )


def read_prompt_lines(path: str | None) -> Iterator[str]:
    """Non-empty lines of ``path``, or of standard input when ``path`` is None or '-'."""
    if path is None or path == "-":
        stream = sys.stdin
        for line in stream:
            if line.strip():
                yield line.rstrip("\n")
        return
    file = Path(path)
    if not file.is_file():
        raise ConfigurationError("--prompts", f"{path}: no such file")
    with file.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.strip():
                yield line.rstrip("\n")
