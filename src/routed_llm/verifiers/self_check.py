"""Self-check (AutoMix, arXiv 2310.12963): the cheap model is asked whether its answer is right.

The cascade sends :func:`self_check_messages` to a cheap model (the weak one, or the
checker) and hands its reply to the verifier as ``Evidence.self_check``; the verifier reads
a probability ("0.8", "80%") or a verdict ("Yes", "Incorrect") from it.
"""

from __future__ import annotations

import re
from typing import ClassVar

from routed_llm.verifiers.base import BaseVerifier, Evidence

__all__ = ["SelfCheckVerifier", "parse_judgement", "self_check_messages"]

_PROBABILITY = re.compile(r"(?<![\d.])(0(?:\.\d+)?|1(?:\.0+)?|\.\d+)(?![\d.%])")
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")
_NEGATIVE = re.compile(r"\b(no|incorrect|wrong|false|not (?:correct|right)|inaccurate)\b", re.IGNORECASE)
_POSITIVE = re.compile(r"\b(yes|correct|right|true|accurate)\b", re.IGNORECASE)

_TEMPLATE = (
    "Question:\n{prompt}\n\nProposed answer:\n{answer}\n\n"
    "Is the proposed answer correct? Reply with the probability (0 to 1) that it is correct, and nothing else."
)


def self_check_messages(prompt: str, answer: str) -> list[dict[str, str]]:
    """The chat messages that ask a model whether ``answer`` answers ``prompt`` correctly."""
    return [{"role": "user", "content": _TEMPLATE.format(prompt=prompt, answer=answer)}]


def parse_judgement(text: str | None) -> float | None:
    """The probability that the answer is right, read from a self-check reply; ``None`` if unclear.

    A stated probability or percentage wins; otherwise the first verdict word ("no",
    "incorrect" -> 0; "yes", "correct" -> 1), negatives checked first ("not correct").
    """
    if not text or not text.strip():
        return None
    percent = _PERCENT.search(text)
    if percent and float(percent.group(1)) <= 100:
        return float(percent.group(1)) / 100.0
    probability = _PROBABILITY.search(text)
    if probability:
        return float(probability.group(1))
    negative, positive = _NEGATIVE.search(text), _POSITIVE.search(text)
    if negative and (positive is None or negative.start() <= positive.start()):
        return 0.0
    if positive:
        return 1.0
    return None


class SelfCheckVerifier(BaseVerifier):
    """Escalation score = 1 - the probability the self-check gives; abstains when unreadable."""

    name: ClassVar[str] = "self_check"
    needs: ClassVar[frozenset[str]] = frozenset({"self_check"})

    def verify(self, evidence: Evidence) -> float | None:
        probability = parse_judgement(evidence.self_check)
        return None if probability is None else 1.0 - probability
