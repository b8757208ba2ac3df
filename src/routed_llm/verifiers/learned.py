"""Learned: a logistic model of "the cheap answer is wrong" from the prompt, the answer and the evidence.

FrugalGPT (arXiv 2305.05176) scores (query, answer) pairs with a small trained model; here
the model is a logistic regression on hashed features, small enough for numpy alone and
fast enough for every request:

- words and word pairs of the prompt's end (where the question is) and of the answer's start;
- the answer's kind (option letter, number, code, ...), for choices the letter itself, and
  whether the reply keeps to the format the prompt demands;
- when other answers are at hand (checkers, samples): agreement with each, keyed by the
  checker's model name, so a reliable checker's disagreement weighs more than a weak one's.

It is trained on (prompt, cheap answer, others) -> the cheap answer was right, from the
per-prompt results that carry responses (RouterBench, RouteLLM GSM8K):
:func:`routed_llm.training.verifier.train_learned_verifier`.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from routed_llm.artifacts import ArtifactMixin
from routed_llm.errors import ArtifactError, ConfigurationError, NotFittedError
from routed_llm.verifiers.answers import extract_answer, follows_letter_format, prompt_options, similarity
from routed_llm.verifiers.base import BaseVerifier, Evidence

__all__ = ["LearnedVerifier"]

_WORD = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")
_PROMPT_CHARS = 400
_ANSWER_CHARS = 300


class LearnedVerifier(ArtifactMixin, BaseVerifier):
    """Escalation score = the predicted probability that the cheap answer is wrong.

    ``n_features`` hashed features (a power of two), L2 strength ``alpha``, ``epochs`` of
    full-batch Adam; ``use_others`` adds the agreement features (train and use it with the
    same checkers); ``text_features=False`` drops the prompt's and answer's words, leaving
    the answer's kind, letter, length and the agreements.
    """

    name: ClassVar[str] = "learned_verifier"
    score_quantiles_: np.ndarray | None = None

    def __init__(self, n_features: int = 4096, alpha: float = 1e-3, epochs: int = 300,
                 learning_rate: float = 0.05, use_others: bool = True, text_features: bool = True) -> None:
        self.n_features = n_features
        self.alpha = alpha
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.use_others = use_others
        self.text_features = text_features
        self.coef_: np.ndarray | None = None
        self.intercept_: float = 0.0

    @property
    def needs(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset({"others"}) if self.use_others else frozenset()

    # -- learning -----------------------------------------------------------------------
    def fit(self, evidence: Sequence[Evidence], correct: Sequence[float] | np.ndarray) -> LearnedVerifier:
        """Learn from evidence rows and whether each cheap answer was right (a score >= 0.5 is right)."""
        n = self.n_features
        if not isinstance(n, int) or n < 16 or n & (n - 1):
            raise ConfigurationError("n_features", f"must be a power of two >= 16, got {n!r}")
        for field_name in ("alpha", "learning_rate"):
            if not getattr(self, field_name) > 0:
                raise ConfigurationError(field_name, f"must be > 0, got {getattr(self, field_name)!r}")
        labels = np.asarray(correct, dtype=np.float64)
        if labels.shape != (len(evidence),) or len(evidence) < 2:
            raise ConfigurationError("correct", f"need one label per evidence row (>= 2 rows), got {labels.shape}")
        wrong = (labels < 0.5).astype(np.float64)
        if wrong.min() == wrong.max():
            raise ConfigurationError("correct", "need both right and wrong cheap answers to learn from")
        features = self._features(evidence)
        coef, intercept = np.zeros(n), float(np.log(wrong.mean() / (1 - wrong.mean())))
        moments = [np.zeros(n + 1), np.zeros(n + 1)]
        for step in range(1, self.epochs + 1):
            error = _sigmoid(features @ coef + intercept) - wrong
            gradient = np.append(features.T @ error / len(wrong) + self.alpha * coef, error.mean())
            moments[0] = 0.9 * moments[0] + 0.1 * gradient
            moments[1] = 0.999 * moments[1] + 0.001 * gradient**2
            update = self.learning_rate * (moments[0] / (1 - 0.9**step)) / (np.sqrt(moments[1] / (1 - 0.999**step)) + 1e-8)
            coef -= update[:-1]
            intercept -= float(update[-1])
        self.coef_, self.intercept_ = coef, intercept
        return self

    # -- verifying ----------------------------------------------------------------------
    def verify(self, evidence: Evidence) -> float | None:
        return self.verify_many([evidence])[0]

    def verify_many(self, evidence: Sequence[Evidence]) -> list[float | None]:
        if self.coef_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() or from_pretrained()")
        return [float(p) for p in _sigmoid(self._features(evidence) @ self.coef_ + self.intercept_)]

    def _features(self, evidence: Sequence[Evidence]) -> np.ndarray:
        rows = np.zeros((len(evidence), self.n_features))
        for index, item in enumerate(evidence):
            for name, value in self._named_features(item):
                rows[index, zlib.crc32(name.encode()) & (self.n_features - 1)] += value
        return rows

    def _named_features(self, item: Evidence) -> list[tuple[str, float]]:
        options = prompt_options(item.prompt)
        answer = extract_answer(item.answer.content, item.prompt, tool_calls=item.answer.tool_calls, options=options)
        named: list[tuple[str, float]] = [("bias", 1.0), (f"kind:{answer.kind if answer else 'none'}", 1.0)]
        if not follows_letter_format(item.answer.content, item.prompt, options):
            named.append(("format_broken", 1.0))
        if answer is not None and answer.kind == "choice":
            named.append((f"choice:{answer.value}/{len(options)}", 1.0))
        texts = (("p", item.prompt[-_PROMPT_CHARS:]), ("a", (item.answer.content or "")[:_ANSWER_CHARS]))
        for prefix, text in texts if self.text_features else ():
            words = _WORD.findall(text.lower())
            grams = [f"{prefix}:{w}" for w in words] + [f"{prefix}:{a}_{b}" for a, b in zip(words, words[1:], strict=False)]
            weight = 1.0 / np.sqrt(max(len(grams), 1))
            named.extend((gram, weight) for gram in grams)
        named.append(("answer_length", np.log1p(len(item.answer.content or "")) / 8.0))
        if self.use_others:
            for other in item.others:
                theirs = extract_answer(other.content, item.prompt, tool_calls=other.tool_calls, options=options)
                similar = None if answer is None or theirs is None else similarity(answer, theirs)
                verdict = "none" if similar is None else ("agree" if similar >= 0.85 else "disagree")
                named.append((f"{verdict}:{other.model or 'sample'}", 1.0))
                named.append((f"{verdict}", 1.0))
        return named

    # -- artifact halves ----------------------------------------------------------------
    def _state_dict(self) -> dict[str, np.ndarray]:
        if self.coef_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; nothing to save")
        return {"coef": self.coef_, "intercept": np.asarray([self.intercept_])}

    def _load_state(self, state: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        coef = np.asarray(state["coef"], dtype=np.float64)
        if coef.shape != (self.n_features,):
            raise ArtifactError(f"{self.name}: tensor 'coef' has shape {coef.shape}, expected ({self.n_features},)")
        self.coef_, self.intercept_ = coef, float(state["intercept"][0])


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -30.0, 30.0)))
