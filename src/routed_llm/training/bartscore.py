"""BARTScore: a response's quality as BART's log-likelihood of it given the prompt.

Hybrid LLM (arXiv 2404.14618) measures response quality with BARTScore (Yuan et al., 2021,
arXiv 2106.11520) because it needs no reference answer: a seq2seq model trained to
summarise/paraphrase scores ``log p(output | input)``, higher (closer to 0) meaning the
output follows more naturally from the input. The score is the mean (BARTScore's default)
or the sum of the output's token log-probabilities, so it is always <= 0.

Any BART-style checkpoint works: ``facebook/bart-large-cnn`` (the paper's) by default, a
Hub id or a local directory. The model is loaded on the first call, not at construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from routed_llm.errors import ConfigurationError

__all__ = ["DEFAULT_BART_CHECKPOINT", "BARTScore"]

DEFAULT_BART_CHECKPOINT = "facebook/bart-large-cnn"

Reduction = Literal["mean", "sum"]


class BARTScore:
    """Batched BARTScore on CPU (or any torch device).

    Example::

        quality = BARTScore().score(prompts, responses)   # one value <= 0 per pair
    """

    def __init__(
        self,
        checkpoint: str = DEFAULT_BART_CHECKPOINT,
        *,
        batch_size: int = 4,
        max_length: int = 1024,
        reduction: Reduction = "mean",
        device: str = "cpu",
    ) -> None:
        self.checkpoint = checkpoint
        self.batch_size = batch_size
        self.max_length = max_length
        self.reduction = reduction
        self.device = device
        self._loaded: tuple[Any, Any] | None = None

    def score(self, sources: Sequence[str], outputs: Sequence[str]) -> np.ndarray:
        """``log p(output | source)`` per pair, mean or sum over the output's tokens."""
        self._check()
        if len(sources) != len(outputs):
            raise ConfigurationError("outputs", f"{len(outputs)} outputs for {len(sources)} sources")
        import torch

        tokenizer, model = self._model()
        scores: list[np.ndarray] = []
        with torch.inference_mode():
            for start in range(0, len(sources), self.batch_size):
                batch_sources = [str(s) for s in sources[start : start + self.batch_size]]
                batch_outputs = [str(o) for o in outputs[start : start + self.batch_size]]
                scores.append(self._batch(tokenizer, model, batch_sources, batch_outputs))
        return np.concatenate(scores) if scores else np.zeros(0, dtype=np.float64)

    def _batch(self, tokenizer: Any, model: Any, sources: list[str], outputs: list[str]) -> np.ndarray:
        import torch

        encoded = tokenizer(sources, max_length=self.max_length, truncation=True, padding=True, return_tensors="pt")
        target = tokenizer(outputs, max_length=self.max_length, truncation=True, padding=True, return_tensors="pt")
        labels = target["input_ids"].to(self.device)
        mask = target["attention_mask"].to(self.device)
        logits = model(
            input_ids=encoded["input_ids"].to(self.device),
            attention_mask=encoded["attention_mask"].to(self.device),
            labels=labels.masked_fill(mask == 0, -100),
        ).logits
        token_logprobs = torch.log_softmax(logits.float(), dim=-1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
        total = (token_logprobs * mask).sum(dim=1)
        if self.reduction == "mean":
            total = total / mask.sum(dim=1).clamp(min=1)
        return total.cpu().double().numpy()

    def _model(self) -> tuple[Any, Any]:
        if self._loaded is None:
            from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

            try:
                tokenizer = AutoTokenizer.from_pretrained(self.checkpoint)
                model = AutoModelForSeq2SeqLM.from_pretrained(self.checkpoint, use_safetensors=True)
            except (OSError, ValueError) as exc:
                raise ConfigurationError(
                    "checkpoint", f"cannot load a BART model from {self.checkpoint!r}: {exc}"
                ) from exc
            model.to(self.device).eval()
            self._loaded = (tokenizer, model)
        return self._loaded

    def _check(self) -> None:
        if self.reduction not in ("mean", "sum"):
            raise ConfigurationError("reduction", f"must be 'mean' or 'sum', got {self.reduction!r}")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ConfigurationError("batch_size", f"must be an int >= 1, got {self.batch_size!r}")
        if not isinstance(self.max_length, int) or self.max_length < 2:
            raise ConfigurationError("max_length", f"must be an int >= 2, got {self.max_length!r}")

    def __repr__(self) -> str:
        return (
            f"BARTScore(checkpoint={self.checkpoint!r}, batch_size={self.batch_size}, "
            f"max_length={self.max_length}, reduction={self.reduction!r}, device={self.device!r})"
        )
