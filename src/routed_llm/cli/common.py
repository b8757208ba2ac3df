"""Options and helpers several subcommands share."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from routed_llm.errors import ConfigurationError, DataError

__all__ = ["add_router_option", "read_prompt_lines", "read_prompts", "router_labels", "warn_training_overlap"]


def add_router_option(parser: argparse.ArgumentParser) -> None:
    """``--scorer SPEC`` (``--router`` is the older spelling), stored as ``args.scorer``."""
    parser.add_argument(
        "--scorer",
        "--router",
        dest="scorer",
        default="default",
        metavar="SPEC",
        help="scorer to route with: a ready name (see 'routed-llm route --list-routers') "
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


def read_prompts(path: str | None) -> Iterator[str]:
    """The texts a router would score: from a ``.jsonl`` file, each object's ``prompt`` or the
    routing text of its ``messages`` (as the client reads a request); otherwise one per line."""
    if path is None or Path(path).suffix.lower() != ".jsonl":
        yield from read_prompt_lines(path)
        return
    from routed_llm.prompts import prompt_text

    for number, line in enumerate(read_prompt_lines(path), start=1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(path, number, f"not valid JSON: {exc.msg}") from None
        if isinstance(row, dict) and isinstance(row.get("prompt"), str):
            yield row["prompt"]
        elif isinstance(row, dict) and "messages" in row:
            yield prompt_text(row["messages"])
        else:
            raise DataError(path, number, "expected an object with a 'prompt' string or 'messages'")


def router_labels(specs: Sequence[str]) -> dict[str, str]:
    """A short, distinct label per router spec for result tables: a name as it is, a saved
    router's path by as many trailing parts as tell it from the others (rich would cut long
    paths at the same width, and two routers in one folder would look alike)."""
    paths = {spec: Path(spec).parts for spec in specs if Path(spec).expanduser().is_dir()}
    labels = {spec: spec for spec in specs}
    for spec, parts in paths.items():
        keep = next((keep for keep in range(1, len(parts))
                     if str(Path(*parts[-keep:])) not in specs
                     and all(other[-keep:] != parts[-keep:] for name, other in paths.items() if name != spec)), None)
        if keep is not None:
            labels[spec] = str(Path(*parts[-keep:]))
    return labels


def warn_training_overlap(specs: Sequence[str], prompts: Sequence[str], data: str) -> None:
    """Warn on stderr, per router, how many evaluation prompts its saved config says it was trained
    on: a router scores its own training rows better than new traffic, so they flatter it."""
    import numpy as np

    from routed_llm.artifacts import prompt_digests, read_training_prompts
    from routed_llm.scorers.registry import saved_router_directory

    digests = None
    for spec in specs:
        directory = saved_router_directory(spec)
        trained = None if directory is None else read_training_prompts(directory)
        if trained is None:
            continue
        digests = prompt_digests(prompts) if digests is None else digests
        overlap = int(np.isin(digests, trained).sum())
        if overlap:
            print(f"warning: {overlap} of {len(prompts)} rows of {data} were in the training data of router "
                  f"{spec!r}; its figures on them are flattered (evaluate on held-out rows)", file=sys.stderr)
