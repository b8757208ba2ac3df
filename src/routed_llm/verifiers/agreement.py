"""Agreement: the cheap answer against a checker model's answer and/or more samples of the weak model.

Two models that reach the same final answer independently are rarely both wrong; where
they disagree, at least one is. Answers are reduced to what they answer first
(:mod:`routed_llm.verifiers.answers`), so "B", "The answer is B." and "B) Logan" agree.
Free text is compared by embedding with the shipped default router's token embeddings
(numpy only), loaded the first time free text is met.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

import numpy as np

from routed_llm.errors import ConfigurationError
from routed_llm.verifiers.answers import Answer, extract_answer, follows_letter_format, prompt_options, similarity
from routed_llm.verifiers.base import BaseVerifier, Evidence, Reply

__all__ = ["AgreementVerifier", "default_embedder"]

Embedder = Callable[[Sequence[str]], np.ndarray]


class AgreementVerifier(BaseVerifier):
    """Escalation score = 1 - the mean agreement of the cheap answer with the others' answers.

    ``min_similarity``: free-text and code answers agree when their similarity reaches it
    (below, they count as disagreeing by how far they fall short), so one threshold
    serves every kind. Abstains when no other answer can be compared with the cheap one
    (no checker answered, or all wrote essays and no embedder is available). A cheap reply
    with no extractable answer where another reply has one counts as a disagreement.

    ``strict_format``: a cheap reply that breaks the format the prompt demands (it asks for
    the option letter alone and gets the option's words) is rejected (score 1) whatever
    the others say (:func:`~routed_llm.verifiers.answers.follows_letter_format`).
    """

    name: ClassVar[str] = "agreement"
    needs: ClassVar[frozenset[str]] = frozenset({"others"})

    def __init__(self, min_similarity: float = 0.85, embed_free_text: bool = True, strict_format: bool = True) -> None:
        self.min_similarity = min_similarity
        self.embed_free_text = embed_free_text
        self.strict_format = strict_format
        self._embed: Embedder | None = None

    def verify(self, evidence: Evidence) -> float | None:
        if not 0.0 < self.min_similarity <= 1.0:
            raise ConfigurationError("min_similarity", f"must be in (0, 1], got {self.min_similarity!r}")
        options = prompt_options(evidence.prompt)
        if self.strict_format and not follows_letter_format(evidence.answer.content, evidence.prompt, options):
            return 1.0
        answer = _extract(evidence.answer, evidence.prompt, options)
        agreements = []
        for other in evidence.others:
            theirs = _extract(other, evidence.prompt, options)
            if theirs is None:
                continue
            if answer is None:
                agreements.append(0.0)
                continue
            similar = similarity(answer, theirs, self._embedder(answer, theirs))
            if similar is not None:
                agreements.append(min(1.0, similar / self.min_similarity))
        if not agreements:
            return None
        return 1.0 - float(np.mean(agreements))

    def _embedder(self, first: Answer, second: Answer) -> Embedder | None:
        if not self.embed_free_text or {first.kind, second.kind} - {"text", "free_text"}:
            return None
        if self._embed is None:
            self._embed = default_embedder()
        return self._embed


def _extract(reply: Reply, prompt: str, options: dict[str, str]) -> Answer | None:
    return extract_answer(reply.content, prompt, tool_calls=reply.tool_calls, options=options)


def default_embedder() -> Embedder:
    """Unit-length token-embedding means from the shipped default router's encoder (no torch)."""
    from routed_llm.scorers.default import load_default_router

    router = load_default_router()
    encoder = next(member.encoder_ for member in router.members_ if getattr(member, "encoder_", None) is not None)

    def embed(texts: Sequence[str]) -> np.ndarray:
        vectors = encoder.encode(list(texts)).astype(np.float64)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    return embed
