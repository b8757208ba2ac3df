"""A linear gain model on MiniLM token embeddings and the prompt's shape: the default router.

Why this model. Measured leaving one benchmark source out at a time
(``benchmarks/generalization.py``), what a router learns about *which* question of a source
is hard barely transfers to another source; what transfers is which *kinds* of prompt need
the strong model (multi-step math, code, long structured asks) and which do not (greetings,
one-fact questions, short rewrites). MiniLM's token embedding layer names the kind of a
prompt as well as its full six transformer layers do for that purpose (same held-out
figures), at about a thousandth of the cost, so the router runs on the core install (numpy
and the ``tokenizers`` package litellm already needs) in well under a millisecond a prompt.

What it predicts is the strong model's expected gain in answer quality; its score is that
gain's rank among the (weighted) training traffic, measured out of fold: a score of ``s``
means "needs the strong model more than a share ``s`` of typical traffic", so a threshold
``t`` sends about ``1 - t`` of typical traffic to the strong model and ``strong_share`` is
exact on traffic like the training mix.

The same model also serves as an *ask-kind* classifier (``features="prompt_ask"``,
``band=(lo, hi)``): trained on easy (0) against demanding (1) asks, it reads the mean
embedding of the whole prompt and of the instruction alone (:func:`ask_text`: pasted
material such as code blocks, long quotes and text after a colon left out), with no length
or format cue, so a one-line proof request and a long greeting are judged by what they
ask. Its score is then how far the prediction lies across ``band``: 0 at ``lo`` or below,
1 at ``hi`` or above, so prompts of a clear kind all share the same end value and a
blend with a correctness router keeps that router's order among them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from routed_llm.artifacts import ArtifactMixin
from routed_llm.encoders.numpy_bert import NumpyBert
from routed_llm.errors import ArtifactError, ConfigurationError, NotFittedError
from routed_llm.scorers.base import BaseScorer
from routed_llm.scorers.lexical import check_gains, smooth_by_group

__all__ = ["TokenEmbeddingScorer", "ask_text", "prompt_shape", "weighted_quantiles"]

QUANTILE_LEVELS = 101
_ENCODER_PREFIX = "encoder."
_TOKENIZER_FILE = "tokenizer.json"
_CODE = re.compile(r"```|\bdef |\bclass |#include|\bimport |=>|\};|\bfunction\b|\bSELECT\b")
_MATH = re.compile(r"[=+*/^<>]")
SHAPE_FEATURES = ("log_chars", "log_words", "digit_share", "has_code", "newlines", "has_math", "questions")
FEATURE_SETS = ("prompt_shape", "prompt_ask")
_FENCED = re.compile(r"```.*?(?:```|$)", re.S)
_LONG_QUOTE = re.compile("(?<!\\w)[\"'\u201c\u2018][^\"\u201c\u201d]{60,}?[\"'\u201d\u2019](?!\\w)")
ASK_HEAD_WORDS = 40
ASK_TAIL_WORDS = 20
ASK_MATERIAL_WORDS = 20
ASK_LAST_LINE_WORDS = 25


def ask_text(text: str) -> str:
    """The instruction of a prompt without the material it pastes: what decides the kind of ask.

    Code fences and quotes of 60 characters or more are dropped. A prompt of more than three
    lines keeps its first and last lines (the instruction, and a question after the material);
    one of two or three lines whose first ends in a colon keeps that first line only. A colon
    followed by :data:`ASK_MATERIAL_WORDS` words or more ends the instruction there. What
    remains keeps its first 40 and last 20 words. A prompt that is all material stays as it is.
    """
    kept = _LONG_QUOTE.sub(" ", _FENCED.sub(" ", text))
    lines = [line for line in kept.split("\n") if line.strip()]
    if len(lines) > 3 or (len(lines) > 1 and lines[0].rstrip().endswith(":")):
        tail = lines[-1] if len(lines) > 3 and len(lines[-1].split()) <= ASK_LAST_LINE_WORDS else None
        lines = [lines[0]] if tail is None else [lines[0], tail]
    instruction, colon, material = " ".join(lines).partition(": ")
    words = (instruction + colon if len(material.split()) >= ASK_MATERIAL_WORDS else instruction + colon + material).split()
    if len(words) > ASK_HEAD_WORDS + ASK_TAIL_WORDS:
        words = words[:ASK_HEAD_WORDS] + words[-ASK_TAIL_WORDS:]
    return " ".join(words) if words else text


def prompt_shape(texts: Sequence[str]) -> np.ndarray:
    """Length and format cues, on similar scales (about 0..1): what an embedding average loses."""
    rows = np.empty((len(texts), len(SHAPE_FEATURES)), dtype=np.float64)
    for i, text in enumerate(texts):
        rows[i] = (
            np.log1p(len(text)) / 8.0,
            np.log1p(len(text.split())) / 6.0,
            5.0 * sum(c.isdigit() for c in text) / max(len(text), 1),
            float(bool(_CODE.search(text))),
            min(text.count("\n"), 30) / 10.0,
            float(bool(_MATH.search(text))),
            text.count("?") / 3.0,
        )
    return rows


class TokenEmbeddingScorer(ArtifactMixin, BaseScorer):
    """Ridge regression of the strong model's gain on [unit token-embedding mean, prompt shape].

    ``encoder`` is a BERT folder (``"minilm"``: the bundled all-MiniLM-L6-v2) whose
    embedding layer is copied into the router at ``fit`` (int8, about 12 MB), so a saved
    router needs neither the folder nor torch. ``group_smoothing`` pulls each training
    gain towards its group's mean (an MMLU subject, a source): one binary outcome per prompt
    is noise, the gain of a kind of prompt is signal.

    ``features`` picks the inputs: ``"prompt_shape"`` (the prompt's embedding and its shape)
    or ``"prompt_ask"`` (the prompt's embedding and its instruction's, see :func:`ask_text`).
    ``band=None`` scores a prompt by its predicted gain's rank among the training traffic;
    ``band=(lo, hi)`` scores it by where the prediction lies across the band, clipped to [0, 1].
    """

    name: ClassVar[str] = "token_embedding"

    def __init__(
        self,
        encoder: str = "minilm",
        max_tokens: int = 128,
        head_tokens: int = 48,
        alpha: float = 10.0,
        group_smoothing: float = 0.6,
        calibration_folds: int = 5,
        features: str = "prompt_shape",
        band: Sequence[float] | None = None,
    ) -> None:
        self.encoder = encoder
        self.max_tokens = max_tokens
        self.head_tokens = head_tokens
        self.alpha = alpha
        self.group_smoothing = group_smoothing
        self.calibration_folds = calibration_folds
        self.features = features
        self.band = None if band is None else [float(value) for value in band]
        self.coef_: np.ndarray | None = None
        self.intercept_: float = 0.0
        self.gain_levels_: np.ndarray | None = None
        self.encoder_: NumpyBert | None = None

    # -- learning -----------------------------------------------------------------------
    def fit(
        self,
        prompts: Sequence[str],
        gains: Sequence[float] | np.ndarray,
        *,
        groups: Sequence[str] | None = None,
        sample_weight: Sequence[float] | np.ndarray | None = None,
    ) -> TokenEmbeddingScorer:
        """Learn from per-prompt gains in [-1, 1] (+1 only the strong model right, -1 only the weak)."""
        if not 0.0 <= self.group_smoothing <= 1.0:
            raise ConfigurationError("group_smoothing", f"must be in [0, 1], got {self.group_smoothing!r}")
        if not self.alpha > 0:
            raise ConfigurationError("alpha", f"must be > 0, got {self.alpha!r}")
        if self.features not in FEATURE_SETS:
            raise ConfigurationError("features", f"must be one of {FEATURE_SETS}, got {self.features!r}")
        if self.band is not None and not (len(self.band) == 2 and self.band[0] < self.band[1]):
            raise ConfigurationError("band", f"must be (low, high) with low < high, got {self.band!r}")
        folds = self.calibration_folds
        if not isinstance(folds, int) or folds < 2:
            raise ConfigurationError("calibration_folds", f"must be an int >= 2, got {folds!r}")
        labels = check_gains(prompts, gains, minimum=2 * folds)
        weights = np.ones(len(prompts)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if weights.shape != labels.shape or np.any(weights < 0) or not weights.sum() > 0:
            raise ConfigurationError("sample_weight", "need one non-negative weight per prompt, not all zero")
        target = labels if groups is None else smooth_by_group(labels, groups, weights, self.group_smoothing)
        from routed_llm.encoders.transformers import MINILM, resolve_model_path

        if not isinstance(self.encoder, str) or (self.encoder != MINILM and not Path(self.encoder).is_dir()):
            raise ConfigurationError("encoder", "token_embedding copies a BERT model's embedding layer: give "
                                     f"'{MINILM}' or the path of a local BERT folder, got {self.encoder!r}")
        floating = NumpyBert.from_hf_folder(resolve_model_path(self.encoder), max_tokens=self.max_tokens,
                                            head_tokens=self.head_tokens, layers=0)
        self.encoder_ = NumpyBert(floating.quantized_tensors(), floating.tokenizer_json,
                                  self._encoder_config(floating.config), max_tokens=self.max_tokens,
                                  head_tokens=self.head_tokens)
        features = self._features(prompts)
        fold_of = np.random.default_rng(0).permutation(len(prompts)) % folds
        held_out = np.empty(len(prompts))
        for fold in range(folds):
            test, train = fold_of == fold, fold_of != fold
            coef, intercept = _ridge(features[train], target[train], weights[train], self.alpha)
            held_out[test] = features[test] @ coef + intercept
        self.coef_, self.intercept_ = _ridge(features, target, weights, self.alpha)
        # a ridge model scores its own training rows more extremely than new ones: rank on out-of-fold gains
        self.gain_levels_ = weighted_quantiles(held_out, weights, np.linspace(0.0, 1.0, QUANTILE_LEVELS))
        self.score_quantiles_ = weighted_quantiles(self._from_gains(held_out), weights,
                                                    np.linspace(0.0, 1.0, QUANTILE_LEVELS))
        return self

    def _encoder_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        kept = ("hidden_size", "num_attention_heads", "layer_norm_eps", "vocab_size")
        return {**{key: config[key] for key in kept if key in config}, "num_hidden_layers": 0,
                "max_position_embeddings": self.max_tokens}

    # -- scoring ------------------------------------------------------------------------
    def _features(self, prompts: Sequence[str]) -> np.ndarray:
        if self.encoder_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() or from_pretrained()")
        embedded = _unit_rows(self.encoder_.encode(prompts))
        if self.features == "prompt_ask":
            return np.hstack([embedded, _unit_rows(self.encoder_.encode([ask_text(text) for text in prompts]))])
        return np.hstack([embedded, prompt_shape(prompts)])

    def _width(self, dim: int) -> int:
        return 2 * dim if self.features == "prompt_ask" else dim + len(SHAPE_FEATURES)

    def gains(self, prompts: Sequence[str]) -> np.ndarray:
        """The predicted gain of the strong model (unclipped), before ranking."""
        if self.coef_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() or from_pretrained()")
        return self._features(prompts) @ self.coef_ + self.intercept_

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        return self._from_gains(self.gains(prompts))

    def _from_gains(self, gains: np.ndarray) -> np.ndarray:
        if self.band is None:
            return self._rank(gains)
        low, high = self.band
        return np.clip((gains - low) / (high - low), 0.0, 1.0)

    def _rank(self, gains: np.ndarray) -> np.ndarray:
        if self.gain_levels_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() or from_pretrained()")
        return np.interp(gains, self.gain_levels_, np.linspace(0.0, 1.0, len(self.gain_levels_)))

    # -- artifact halves ----------------------------------------------------------------
    def _state_dict(self) -> dict[str, np.ndarray]:
        if self.coef_ is None or self.encoder_ is None or self.gain_levels_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; nothing to save")
        state = {_ENCODER_PREFIX + key: value for key, value in self.encoder_.quantized_tensors().items()}
        state.update(coef=self.coef_.astype(np.float64), intercept=np.asarray([self.intercept_]),
                     gain_levels=self.gain_levels_.astype(np.float64))
        return state

    def _extra_config(self) -> dict[str, Any]:
        if self.encoder_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; nothing to save")
        return {"encoder_config": self.encoder_.config, "shape_features": list(SHAPE_FEATURES)}

    def _save_assets(self, directory: Path) -> None:
        if self.encoder_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; nothing to save")
        directory.mkdir(parents=True, exist_ok=True)
        (directory / _TOKENIZER_FILE).write_text(self.encoder_.tokenizer_json, encoding="utf-8")

    def _load_assets(self, directory: Path) -> None:
        path = directory / _TOKENIZER_FILE
        if not path.is_file():
            raise ArtifactError(f"{directory}: missing {_TOKENIZER_FILE}")
        self._tokenizer_json = path.read_text(encoding="utf-8")

    def _load_state(self, state: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        tokenizer_json = getattr(self, "_tokenizer_json", None)
        if tokenizer_json is None:
            raise ArtifactError(f"{self.name}: the artifact has no {_TOKENIZER_FILE} asset")
        if list(extra.get("shape_features", [])) != list(SHAPE_FEATURES):
            raise ArtifactError(f"{self.name}: field 'shape_features' does not match this version's "
                                f"{list(SHAPE_FEATURES)}")
        encoder_state = {key[len(_ENCODER_PREFIX):]: value for key, value in state.items()
                         if key.startswith(_ENCODER_PREFIX)}
        self.encoder_ = NumpyBert(encoder_state, tokenizer_json, extra["encoder_config"],
                                  max_tokens=self.max_tokens, head_tokens=self.head_tokens)
        width = self._width(self.encoder_.dim)
        coef, intercept, levels = state["coef"], state["intercept"], state["gain_levels"]
        if coef.shape != (width,):
            raise ArtifactError(f"{self.name}: tensor 'coef' has shape {coef.shape}, expected ({width},)")
        if intercept.shape != (1,):
            raise ArtifactError(f"{self.name}: tensor 'intercept' has shape {intercept.shape}, expected (1,)")
        if levels.ndim != 1 or len(levels) < 2 or np.any(np.diff(levels) < 0) or levels[0] == levels[-1]:
            raise ArtifactError(f"{self.name}: tensor 'gain_levels' must be at least 2 non-decreasing, "
                                "not all equal values")
        self.coef_, self.intercept_, self.gain_levels_ = coef.astype(np.float64), float(intercept[0]), levels


def _unit_rows(rows: np.ndarray) -> np.ndarray:
    rows = rows.astype(np.float64)
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def _ridge(features: np.ndarray, target: np.ndarray, weights: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Weighted ridge with an unpenalised intercept, by the normal equations (a few hundred features)."""
    total = weights.sum()
    mean_x = weights @ features / total
    mean_y = float(weights @ target) / total
    centred = features - mean_x
    gram = centred.T @ (centred * weights[:, None]) + alpha * np.eye(features.shape[1])
    coef = np.linalg.solve(gram, centred.T @ (weights * (target - mean_y)))
    return coef, mean_y - float(mean_x @ coef)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """The ``levels`` quantiles of ``values`` where each row counts ``weights`` times (midpoint rule)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    positions = (cumulative - 0.5 * weights[order]) / cumulative[-1]
    return np.interp(levels, positions, values[order])
