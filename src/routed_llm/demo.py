"""``python -m routed_llm.demo``: route a mixed workload offline and show the saving.

Both "providers" are the loopback fake from :mod:`routed_llm.testing`, answering as
``openai/gpt-4o`` and ``openai/gpt-4o-mini`` so that litellm's price map prices the
calls; no network and no API key are used.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from routed_llm.client import RoutedClient  # noqa: E402
from routed_llm.testing import FakeProvider  # noqa: E402

__all__ = ["main"]

PROMPTS = (
    "hi there!",
    "What is the capital of France?",
    "Translate 'good morning' into Spanish.",
    "Prove that there are infinitely many primes congruent to 3 mod 4.",
    "Write a thread-safe LRU cache in Rust with O(1) get and put, and explain the borrow-checker issues.",
    "Summarise the plot of Hamlet in two sentences.",
    "A train leaves at 3pm going 60 km/h; another at 4pm going 80 km/h. When does the second catch up?",
    "Derive the closed form of the sum of k^3 for k = 1..n and prove it by induction.",
    "What's 2 + 2?",
    "Explain the difference between TCP and UDP to a five-year-old.",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routed_llm.demo", description=__doc__)
    parser.add_argument("--router", default="default", help="router spec (default: %(default)s)")
    parser.add_argument("--strong-share", type=float, default=None,
                        help="target strong-call share (default: the router's default threshold, 0.5)")
    args = parser.parse_args(argv)

    with FakeProvider() as provider:
        client = RoutedClient(
            strong="openai/gpt-4o",
            weak="openai/gpt-4o-mini",
            scorer=args.router,
            strong_share=args.strong_share,
            api_base=provider.base_url,
            api_key="demo-key-not-a-secret",
        )
        print(f"{client!r}\n")
        print(f"{'model':20} {'score':>6} {'thresh':>6} {'decide ms':>9}  prompt")
        for prompt in PROMPTS:
            reply = client.complete([{"role": "user", "content": prompt}], max_tokens=64)
            d = reply.decision
            short = prompt if len(prompt) <= 60 else prompt[:57] + "..."
            print(f"{d.model:20} {d.score:6.3f} {d.threshold:6.3f} {d.latency_ms:9.3f}  {short}")
        print()
        print(client.usage())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
