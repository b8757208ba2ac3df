"""The verifier protocol: (prompt, cheap answer, what else is known) -> escalation score or abstain.

A cascade lets the cheap model answer first; a verifier judges that answer. Whatever the
verifier needs besides the prompt and the answer (a checker model's answer, more samples
of the weak model, token log-probabilities, the cheap model's verdict on its own answer)
is gathered by the caller and handed over as :class:`Evidence`, so verifiers make no
calls, stay pure and can be replayed from recorded answers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from routed_llm.scorers.base import BaseScorer

__all__ = ["BaseVerifier", "Evidence", "Reply"]


@dataclass(frozen=True)
class Reply:
    """One model's answer: its text and/or tool calls (OpenAI format: ``{"function": {"name",
    "arguments"}}``), and the model that wrote it."""

    content: str | None = None
    tool_calls: Sequence[Mapping[str, Any]] = ()
    model: str | None = None


@dataclass(frozen=True)
class Evidence:
    """What a verifier may look at for one request.

    ``others`` are answers to the same prompt from checker models and/or further samples
    of the weak model; ``logprobs`` the cheap answer's token log-probabilities (natural
    log), when the provider returned them; ``self_check`` the cheap model's reply when it
    was asked whether its answer is right (:func:`routed_llm.verifiers.self_check_messages`).
    """

    prompt: str
    answer: Reply
    others: Sequence[Reply] = ()
    logprobs: Sequence[float] | None = None
    self_check: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class BaseVerifier(ABC):
    """A verifier: :meth:`verify` returns the probability that the cheap answer should be
    escalated (0 = keep it, 1 = escalate), or ``None`` to abstain (nothing it can check; the
    prompt router decides then).

    scikit-learn habits: constructor arguments are stored as same-named attributes and read
    back by :meth:`get_params`; learned state ends in ``_``.
    """

    name: ClassVar[str] = "base"
    needs: ClassVar[frozenset[str]] = frozenset()
    """What :class:`Evidence` must carry for this verifier to say anything: ``"others"``,
    ``"logprobs"`` or ``"self_check"``; the cascade gathers only what is needed."""

    @abstractmethod
    def verify(self, evidence: Evidence) -> float | None:
        """The escalation score in [0, 1], or ``None`` to abstain."""

    def verify_many(self, evidence: Sequence[Evidence]) -> list[float | None]:
        """:meth:`verify` for a batch (learned verifiers score a batch at once)."""
        return [self.verify(item) for item in evidence]

    get_params = BaseScorer.get_params
    """The constructor arguments, read back from same-named attributes (the scorers' reading)."""

    def __repr__(self) -> str:
        params = ", ".join(f"{key}={value!r}" for key, value in self.get_params().items())
        return f"{type(self).__name__}({params})"
