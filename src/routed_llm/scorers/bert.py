"""The BERT classifier: a transformer encoder fine-tuned on win / tie / loss labels.

RouteLLM's BERT router fine-tunes an encoder with a 3-way head on preference battles
(strong wins, tie, weak wins) and routes on the strong model's win probability. Here any
Hugging Face encoder checkpoint works (a Hub id, a local directory, or ``"minilm"`` for the
bundled all-MiniLM-L6-v2); the head reads the mean-pooled token states, which suits both
sentence-embedding checkpoints (trained for mean pooling) and encoders without a pooler
(DeBERTa).

A long prompt keeps its first tokens and its last ones (``head_tokens`` at the start; by
default three eighths of ``max_length``): few-shot prompts, system prompts and retrieved
context put the question at the end, and cutting from the start alone scores every prompt
that shares a preamble alike.

The score is ``P(strong wins) + tie_weight * P(tie)``. RouteLLM uses ``tie_weight = 0``
(a tie means the weak model was good enough, so it should not pull towards the strong
one), which is the default; raising it makes prompts that both models find hard, or both
easy, look more like strong-model prompts.

Saved routers hold everything needed to score offline: the fine-tuned encoder and head in
``model.safetensors``, the encoder's configuration in ``config.json`` and the tokenizer's
files under ``assets/`` (JSON and text only).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from routed_llm.artifacts import HEAD_AND_TAIL_SINCE, ArtifactMixin
from routed_llm.encoders.transformers import (
    check_head_tokens,
    mean_pool,
    resolve_model_path,
    tokenize_head_and_tail,
)
from routed_llm.errors import ArtifactError, ConfigurationError, NotFittedError
from routed_llm.scorers.base import BaseScorer

__all__ = ["BATTLE_CLASSES", "BertScorer", "battle_class_indices", "epoch_batches"]

BATTLE_CLASSES: tuple[str, str, str] = ("strong", "tie", "weak")
"""Class order of the head, as in RouteLLM: 0 = strong wins, 1 = tie, 2 = weak wins."""

_ENCODER_PREFIX = "encoder."
_HEAD_WEIGHT, _HEAD_BIAS = "head.weight", "head.bias"

_LENGTH_GROUP = 50
"""Batches per length-sorted run under ``group_by_length`` (Hugging Face's mega-batch size)."""

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each training batch."""


def battle_class_indices(labels: Sequence[str | int]) -> np.ndarray:
    """Class indices for labels given as ``"strong"``/``"tie"``/``"weak"`` or as 0/1/2."""
    indices = np.empty(len(labels), dtype=np.int64)
    for position, label in enumerate(labels):
        if isinstance(label, str) and label in BATTLE_CLASSES:
            indices[position] = BATTLE_CLASSES.index(label)
        elif isinstance(label, (int, np.integer)) and not isinstance(label, bool) and 0 <= label < 3:
            indices[position] = int(label)
        else:
            raise ConfigurationError(
                "labels", f"labels[{position}] is {label!r}; use 'strong', 'tie', 'weak' or 0, 1, 2"
            )
    return indices


class BertScorer(ArtifactMixin, BaseScorer):
    """Fine-tune an encoder to predict which model wins on a prompt.

    Example::

        scorer = BertScorer("minilm", epochs=1).fit(prompts, ["strong", "tie", "weak", ...])
        scorer.score(["What is 2 + 2?"])
        scorer.save_pretrained("routers/bert")
    """

    name: ClassVar[str] = "bert"

    def __init__(
        self,
        checkpoint: str = "minilm",
        *,
        max_length: int = 128,
        head_tokens: int | None = None,
        epochs: int = 1,
        batch_size: int = 16,
        learning_rate: float = 5e-5,
        weight_decay: float = 0.01,
        tie_weight: float = 0.0,
        class_weighting: bool = True,
        group_by_length: bool = False,
        seed: int = 0,
        device: str = "cpu",
    ) -> None:
        self.checkpoint = checkpoint
        self.max_length = max_length
        self.head_tokens = head_tokens
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.tie_weight = tie_weight
        self.class_weighting = class_weighting
        self.group_by_length = group_by_length
        self.seed = seed
        self.device = device

    # -- learning ---------------------------------------------------------------------------
    def fit(
        self,
        prompts: Sequence[str],
        labels: Sequence[str | int],
        *,
        progress: Progress | None = None,
    ) -> BertScorer:
        """Fine-tune the encoder and a fresh 3-way head with cross-entropy.

        With ``class_weighting`` each class is weighted by its inverse frequency, since
        golden labels are mostly ties and an unweighted head learns little else in one epoch.
        With ``group_by_length`` the batches hold prompts of similar length (as Hugging Face's
        ``group_by_length``), which pads far less when a few prompts are long: each batch costs
        as much as its longest prompt.
        """
        self._check()
        targets = battle_class_indices(labels)
        if len(prompts) != len(targets) or len(prompts) == 0:
            raise ConfigurationError("labels", f"need one label per prompt and at least one prompt, got "
                                               f"{len(targets)} labels for {len(prompts)} prompts")
        import torch
        from transformers import AutoModel, AutoTokenizer

        torch.manual_seed(self.seed)
        source = resolve_model_path(self.checkpoint)
        try:
            tokenizer = AutoTokenizer.from_pretrained(source)
            encoder = AutoModel.from_pretrained(source, use_safetensors=True)  # never unpickle a checkpoint
        except (OSError, ValueError) as exc:
            raise ConfigurationError("checkpoint", f"cannot load an encoder from {self.checkpoint!r}: {exc}") from exc
        head = torch.nn.Linear(encoder.config.hidden_size, len(BATTLE_CLASSES))
        encoder.to(self.device).train()
        head.to(self.device).train()
        weights = None
        if self.class_weighting:
            counts = np.bincount(targets, minlength=len(BATTLE_CLASSES)).astype(np.float64)
            present = counts > 0
            inverse = np.where(present, counts.sum() / (present.sum() * np.maximum(counts, 1)), 0.0)
            weights = torch.tensor(inverse, dtype=torch.float32, device=self.device)
        loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
        optimizer = torch.optim.AdamW(
            [*encoder.parameters(), *head.parameters()], lr=self.learning_rate, weight_decay=self.weight_decay
        )
        generator = torch.Generator().manual_seed(self.seed)
        lengths = [len(prompt) for prompt in prompts]
        total = -(-len(prompts) // self.batch_size) * self.epochs
        done = 0
        for _ in range(self.epochs):
            for rows in epoch_batches(lengths, self.batch_size, self.group_by_length, generator):
                batch = tokenize_head_and_tail(tokenizer, [prompts[i] for i in rows], self.max_length,
                                               self.head_tokens, self.device)
                logits = head(mean_pool(encoder(**batch).last_hidden_state, batch["attention_mask"]))
                loss = loss_fn(logits, torch.as_tensor(targets[rows], device=self.device))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                done += 1
                if progress is not None:
                    progress(done, total)
        encoder.eval()
        head.eval()
        self.tokenizer_, self.encoder_, self.head_ = tokenizer, encoder, head
        return self

    # -- scoring ----------------------------------------------------------------------------
    def predict_proba(self, prompts: Sequence[str]) -> np.ndarray:
        """``(n, 3)`` probabilities of strong wins, tie, weak wins."""
        if getattr(self, "encoder_", None) is None:
            raise NotFittedError(f"router {self.name!r} is not fitted; call fit() or from_pretrained()")
        import torch

        texts = [str(prompt) for prompt in prompts]
        # Batches of similar length pad little: a batch costs as much as its longest prompt.
        order = np.argsort([len(text) for text in texts], kind="stable")
        chunk = max(self.batch_size, 32)
        out = np.zeros((len(texts), len(BATTLE_CLASSES)))
        with torch.inference_mode():
            for start in range(0, len(texts), chunk):
                index = order[start : start + chunk]
                batch = tokenize_head_and_tail(self.tokenizer_, [texts[i] for i in index], self.max_length,
                                               self.head_tokens, self.device)
                logits = self.head_(mean_pool(self.encoder_(**batch).last_hidden_state, batch["attention_mask"]))
                out[index] = torch.softmax(logits.float(), dim=-1).cpu().double().numpy()
        return out

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        probabilities = self.predict_proba(prompts)
        return np.clip(probabilities[:, 0] + self.tie_weight * probabilities[:, 1], 0.0, 1.0)

    # -- artifacts --------------------------------------------------------------------------
    @classmethod
    def _saved_params(cls, params: dict[str, Any], format_version: int) -> dict[str, Any]:
        """A router saved before format 3 was trained on each prompt's start only."""
        if format_version < HEAD_AND_TAIL_SINCE:
            params = {**params, "head_tokens": params.get("max_length", 128)}
        return params

    def _state_dict(self) -> dict[str, np.ndarray]:
        if getattr(self, "encoder_", None) is None:
            raise NotFittedError(f"router {self.name!r} is not fitted; nothing to save")
        state = {_ENCODER_PREFIX + key: value.detach().cpu().numpy() for key, value in self.encoder_.state_dict().items()}
        state[_HEAD_WEIGHT] = self.head_.weight.detach().cpu().numpy()
        state[_HEAD_BIAS] = self.head_.bias.detach().cpu().numpy()
        return state

    def _extra_config(self) -> dict[str, Any]:
        return {"encoder_config": json.loads(self.encoder_.config.to_json_string()), "classes": list(BATTLE_CLASSES)}

    def _save_assets(self, directory: Path) -> None:
        self.tokenizer_.save_pretrained(str(directory / "tokenizer"))

    def _load_assets(self, directory: Path) -> None:
        from transformers import AutoTokenizer

        try:
            self.tokenizer_ = AutoTokenizer.from_pretrained(str(directory / "tokenizer"))
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"{directory / 'tokenizer'}: not a loadable tokenizer: {exc}") from exc

    def _load_state(self, state: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        import torch
        from transformers import AutoConfig, AutoModel

        self._check()
        if list(extra.get("classes", [])) != list(BATTLE_CLASSES):
            raise ValueError(f"classes {extra.get('classes')!r} are not {list(BATTLE_CLASSES)}")
        if getattr(self, "tokenizer_", None) is None:
            raise ValueError("the artifact has no tokenizer under assets/tokenizer")
        unexpected = sorted(k for k in state if not k.startswith(_ENCODER_PREFIX) and k not in (_HEAD_WEIGHT, _HEAD_BIAS))
        if unexpected:
            raise ValueError(f"unexpected tensors {unexpected}")
        settings = dict(extra["encoder_config"])
        encoder = AutoModel.from_config(AutoConfig.for_model(settings.pop("model_type"), **settings))
        encoder_state = {
            key[len(_ENCODER_PREFIX):]: torch.from_numpy(np.array(value))
            for key, value in state.items()
            if key.startswith(_ENCODER_PREFIX)
        }
        try:
            encoder.load_state_dict(encoder_state, strict=True)
        except RuntimeError as exc:
            raise ValueError(f"encoder weights do not fit the saved encoder configuration: {exc}") from exc
        weight, bias = state[_HEAD_WEIGHT], state[_HEAD_BIAS]
        if weight.shape != (len(BATTLE_CLASSES), encoder.config.hidden_size) or bias.shape != (len(BATTLE_CLASSES),):
            raise ValueError(f"head shape {weight.shape} does not fit hidden size {encoder.config.hidden_size}")
        head = torch.nn.Linear(encoder.config.hidden_size, len(BATTLE_CLASSES))
        head.load_state_dict({"weight": torch.from_numpy(np.array(weight)), "bias": torch.from_numpy(np.array(bias))})
        self.encoder_, self.head_ = encoder.to(self.device).eval(), head.to(self.device).eval()

    def _check(self) -> None:
        for field in ("max_length", "epochs", "batch_size"):
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigurationError(field, f"must be an int >= 1, got {value!r}")
        check_head_tokens("head_tokens", self.head_tokens)
        if not 0.0 <= self.tie_weight <= 1.0:
            raise ConfigurationError("tie_weight", f"must be in [0, 1], got {self.tie_weight!r}")


def epoch_batches(lengths: Sequence[int], batch_size: int, group_by_length: bool, generator: Any) -> list[list[int]]:
    """One epoch's batches of row indices in a seeded random order.

    Grouping by length sorts each run of ``_LENGTH_GROUP`` batches' worth of shuffled rows by
    length before cutting it into batches, then shuffles the batches: every batch comes from a
    random run and in a random place, but holds prompts of like length.
    """
    import torch

    order = torch.randperm(len(lengths), generator=generator).tolist()
    if not group_by_length:
        return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    group = batch_size * _LENGTH_GROUP
    batches: list[list[int]] = []
    for start in range(0, len(order), group):
        run = sorted(order[start : start + group], key=lambda row: lengths[row], reverse=True)
        batches.extend(run[offset : offset + batch_size] for offset in range(0, len(run), batch_size))
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
