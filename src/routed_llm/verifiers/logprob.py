"""Log-probability: how sure the cheap model was of the tokens it wrote.

A model that hesitates between options spreads its probability; the mean token
log-probability of the answer is a cheap, call-free confidence where the provider returns
``logprobs`` (OpenAI, vLLM, Together, ...). Short answers (an option letter) are judged on
their first tokens, where the decision is made.
"""

from __future__ import annotations

import math
from typing import ClassVar

from routed_llm.errors import ConfigurationError
from routed_llm.verifiers.base import BaseVerifier, Evidence

__all__ = ["LogprobVerifier"]


class LogprobVerifier(BaseVerifier):
    """Escalation score = 1 - exp(mean log-probability of the answer's first ``max_tokens`` tokens).

    Abstains when the provider returned no log-probabilities.
    """

    name: ClassVar[str] = "logprob"
    needs: ClassVar[frozenset[str]] = frozenset({"logprobs"})

    def __init__(self, max_tokens: int = 64) -> None:
        self.max_tokens = max_tokens

    def verify(self, evidence: Evidence) -> float | None:
        if not isinstance(self.max_tokens, int) or self.max_tokens < 1:
            raise ConfigurationError("max_tokens", f"must be an int >= 1, got {self.max_tokens!r}")
        logprobs = [float(value) for value in (evidence.logprobs or ())[: self.max_tokens]]
        if not logprobs:
            return None
        return 1.0 - math.exp(min(0.0, sum(logprobs) / len(logprobs)))
