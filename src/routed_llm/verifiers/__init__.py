"""Verifiers: judge a cheap model's answer, so a cascade escalates only the answers that fail.

One protocol (:class:`BaseVerifier`: :class:`Evidence` -> escalation score in [0, 1] or
``None`` to abstain), one registry (:func:`resolve_verifier`), and final-answer extraction
(:func:`extract_answer`, :func:`similarity`) shared by all of them. Verifier modules import
nothing heavy; the agreement verifier loads the default router's token embeddings only when
it meets free text.
"""

from routed_llm.verifiers.answers import Answer, extract_answer, prompt_options, similarity
from routed_llm.verifiers.base import BaseVerifier, Evidence, Reply
from routed_llm.verifiers.registry import available_verifiers, load_verifier, resolve_verifier
from routed_llm.verifiers.self_check import parse_judgement, self_check_messages

__all__ = [
    "Answer",
    "BaseVerifier",
    "Evidence",
    "Reply",
    "available_verifiers",
    "extract_answer",
    "load_verifier",
    "parse_judgement",
    "prompt_options",
    "resolve_verifier",
    "self_check_messages",
    "similarity",
]
