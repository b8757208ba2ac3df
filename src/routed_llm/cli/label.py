"""``routed-llm label``: preference battles from an LLM judge, for training routers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from routed_llm.training.judge import LabelReport

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "label",
        help="judge the strong and weak models' answers with an LLM and write arena-format battles",
        description=(
            "For each prompt of --data, take the strong and the weak model's answers (from the "
            "data's <model>_response columns when present, otherwise by calling the models "
            "through litellm), ask the --judge model which is better, and append one battle "
            "(prompt, model_a, model_b, winner: model_a/model_b/tie) per prompt to --out as JSON "
            "Lines. Prompts already in --out are skipped, so an interrupted run resumes where it "
            "stopped. API keys come from the providers' usual environment variables."
        ),
        epilog=(
            "Example: routed-llm label --judge openai/gpt-4o --data gsm8k_responses.csv "
            "--strong gpt-4-1106-preview --weak mistralai/Mixtral-8x7B-Instruct-v0.1 --out battles.jsonl"
        ),
    )
    parser.add_argument("--judge", required=True, metavar="MODEL", help="litellm model string of the judge")
    parser.add_argument("--data", required=True, metavar="PATH",
                        help="prompts: a CSV with a 'prompt' column (or a directory of them), JSON Lines "
                        "with 'prompt', or a text file with one prompt per line")
    parser.add_argument("--strong", required=True, metavar="MODEL", help="strong model (its name in the data)")
    parser.add_argument("--weak", required=True, metavar="MODEL", help="weak model (its name in the data)")
    parser.add_argument("--out", required=True, metavar="FILE", help="JSON Lines file to append battles to")
    parser.add_argument("--limit", type=int, metavar="N", help="label at most the first N prompts of the data")
    parser.add_argument("--concurrency", type=int, default=4, metavar="N",
                        help="requests in flight at once (default: %(default)s)")
    parser.add_argument("--num-retries", type=int, default=2, metavar="N",
                        help="litellm retries per call for transient errors (default: %(default)s)")
    parser.add_argument("--rate-limit-retries", type=int, default=5, metavar="N",
                        help="extra retries after a 429, with exponential back-off (default: %(default)s)")
    parser.add_argument("--backoff", type=float, default=2.0, metavar="SECONDS",
                        help="first back-off delay after a 429, doubled each time (default: %(default)s)")
    parser.add_argument("--max-tokens", type=int, default=1024, metavar="N",
                        help="answer and judgement length limit (default: %(default)s)")
    parser.add_argument("--api-base", metavar="URL", help="base URL for every call (a proxy or local server)")
    parser.add_argument("--no-progress", action="store_true", help="do not draw a progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from routed_llm.errors import ConfigurationError
    from routed_llm.secrets import environment_secrets, redact_text
    from routed_llm.training.judge import alabel_battles, read_label_items

    if args.limit is not None and args.limit < 1:
        raise ConfigurationError("--limit", f"must be >= 1, got {args.limit}")
    items = read_label_items(args.data, [args.strong, args.weak])
    if args.limit is not None:
        items = items[: args.limit]
    options = {"api_base": args.api_base} if args.api_base else {}
    out = Path(args.out)

    def label(on_progress: Callable[[int, int], None] | None) -> LabelReport:
        return asyncio.run(alabel_battles(
            items, judge=args.judge, strong=args.strong, weak=args.weak, out=out,
            concurrency=args.concurrency, num_retries=args.num_retries,
            rate_limit_retries=args.rate_limit_retries, backoff_s=args.backoff,
            max_tokens=args.max_tokens, on_progress=on_progress, **options,
        ))

    if args.no_progress:
        report = label(None)
    else:
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True)) as progress:
            task = progress.add_task(f"judging with {args.judge}", total=None)
            report = label(lambda done, total: progress.update(task, completed=done, total=total))
    print(f"{report.written} battles written to {out}, {report.skipped} already there, {report.failed} failed",
          file=sys.stderr)
    # the keys came from the environment, so the judge's own masking (of the keyword arguments) missed
    # them; a provider that echoes the bearer token in its 401 body would print it here
    secrets = environment_secrets()
    for error in report.errors[:5]:
        print(f"  failed: {redact_text(error, secrets)}", file=sys.stderr)
    if report.failed:
        print("  rerun the same command to retry the failed prompts", file=sys.stderr)
        return 1
    return 0
