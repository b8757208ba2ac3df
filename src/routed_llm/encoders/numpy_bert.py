"""A BERT sentence encoder (MiniLM-sized) that runs in numpy, so a neural router needs no torch.

The shipped default router embeds each prompt with all-MiniLM-L6-v2 (six layers, 384
wide) before its linear head. Running those six layers in numpy costs a few milliseconds
a prompt on a laptop CPU, which is small next to any LLM call, and keeps the core install
at litellm + numpy + safetensors (``tokenizers`` comes with litellm).

Weights are stored as int8 with one float32 scale per output row (symmetric, per-channel):
the 22.7M parameters fit in about 23 MB instead of 91 MB, and the embeddings stay within
about 1e-2 cosine of the float model's (checked in the tests against transformers).

Long prompts keep their first ``head_tokens`` and last tokens up to ``max_tokens``: the ask
of a prompt is usually at its start (an instruction) or its end (a question after context
or few-shot examples), rarely in the middle.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from routed_llm.errors import ArtifactError, ConfigurationError

__all__ = ["NumpyBert", "quantize_rows"]

_LAYER_TENSORS = (
    "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
    "intermediate.dense", "output.dense",
)
_LAYER_NORMS = ("attention.output.LayerNorm", "output.LayerNorm")


def quantize_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row: ``matrix ~= q * scale[:, None]``."""
    matrix = np.asarray(matrix, dtype=np.float32)
    scale = np.abs(matrix).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    quantized = np.clip(np.rint(matrix / scale[:, None]), -127, 127).astype(np.int8)
    return quantized, scale.astype(np.float32)


_MAX_CONFIG_INT = 1 << 20
"""No field of a BERT config is anywhere near this; a larger one is hostile, not a model."""


def _config_int(config: Mapping[str, Any], key: str, low: int, *, default: int | None = None) -> int:
    """``config[key]`` as an int in ``[low, 2**20]``, checked before anything is sized from it."""
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= _MAX_CONFIG_INT:
        raise ArtifactError(f"encoder_config.{key}: must be an int in {low}..{_MAX_CONFIG_INT}, got {value!r}")
    return value


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf, and BERT's GELU is the exact one.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight + bias


class NumpyBert:
    """Mean-pooled BERT embeddings from int8 weights; ``encode(texts) -> (n, hidden)`` float32.

    Build it from the tensors a saved router holds (:meth:`quantized_tensors` wrote them) or
    with :meth:`from_hf_folder` (a Hugging Face BERT folder with ``model.safetensors`` and
    ``tokenizer.json``).
    """

    def __init__(self, tensors: Mapping[str, np.ndarray], tokenizer_json: str, config: Mapping[str, Any],
                 max_tokens: int = 128, head_tokens: int = 48, batch_size: int = 64, layers: int | None = None) -> None:
        if not isinstance(config, Mapping):
            raise ArtifactError(f"encoder_config: expected an object, got {type(config).__name__}")
        if not 2 < max_tokens <= _config_int(config, "max_position_embeddings", 3, default=512):
            raise ConfigurationError("max_tokens", f"must be in 3..max_position_embeddings, got {max_tokens!r}")
        if not 0 <= head_tokens <= max_tokens - 2:
            raise ConfigurationError("head_tokens", f"must be in 0..max_tokens-2, got {head_tokens!r}")
        from tokenizers import Tokenizer

        self.config = dict(config)
        self.max_tokens = max_tokens
        self.head_tokens = head_tokens
        self.batch_size = batch_size
        self.tokenizer_json = tokenizer_json
        self._tokenizer = Tokenizer.from_str(tokenizer_json)
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._cls = self._special("[CLS]")
        self._sep = self._special("[SEP]")
        hidden = _config_int(config, "hidden_size", 1)
        self._heads = _config_int(config, "num_attention_heads", 1)
        if hidden % self._heads:
            raise ArtifactError(f"encoder_config.num_attention_heads: {self._heads} does not divide hidden_size={hidden}")
        eps = config.get("layer_norm_eps", 1e-12)
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < 1:
            raise ArtifactError(f"encoder_config.layer_norm_eps: must be a number in (0, 1), got {eps!r}")
        self._eps = float(eps)
        available = _config_int(config, "num_hidden_layers", 0)
        if layers is not None and not 0 <= layers <= available:
            raise ConfigurationError("layers", f"must be in 0..{available}, got {layers!r}")
        self.layers = available if layers is None else layers
        self._weights = self._unpack(tensors, self.layers, hidden)
        self._check_shapes(hidden)

    @property
    def dim(self) -> int:
        return int(self.config["hidden_size"])

    def _special(self, token: str) -> int:
        index = self._tokenizer.token_to_id(token)
        if index is None:
            raise ArtifactError(f"tokenizer: the tokenizer has no {token} token")
        return int(index)

    @staticmethod
    def _unpack(tensors: Mapping[str, np.ndarray], layers: int, hidden: int) -> dict[str, np.ndarray]:
        def get(name: str) -> np.ndarray:
            if name not in tensors:
                raise ArtifactError(f"model.safetensors: missing tensor {name!r}")
            return np.asarray(tensors[name], dtype=np.float32)

        def matrix(name: str) -> np.ndarray:
            """A weight matrix as stored (one row per output), dequantized when it is int8."""
            if f"{name}.q" in tensors:
                return get(f"{name}.q") * get(f"{name}.scale")[:, None]
            return get(f"{name}.weight")

        weights = {"word": matrix("embeddings.word_embeddings"),
                   "position": get("embeddings.position_embeddings.weight"),
                   "type": get("embeddings.token_type_embeddings.weight")[0],
                   "ln_w": get("embeddings.LayerNorm.weight"), "ln_b": get("embeddings.LayerNorm.bias")}
        for layer in range(layers):
            prefix = f"encoder.layer.{layer}."
            for name in _LAYER_TENSORS:
                weights[prefix + name + ".w"] = np.ascontiguousarray(matrix(prefix + name).T)
                weights[prefix + name + ".b"] = get(prefix + name + ".bias")
            for name in _LAYER_NORMS:
                weights[prefix + name + ".w"] = get(prefix + name + ".weight")
                weights[prefix + name + ".b"] = get(prefix + name + ".bias")
        if weights["word"].shape[1] != hidden:
            raise ArtifactError(f"model.safetensors: word embeddings are {weights['word'].shape[1]} wide, "
                                f"config says hidden_size={hidden}")
        return weights

    def _check_shapes(self, hidden: int) -> None:
        """Every tensor's shape against the config, the tokenizer and ``max_tokens``: a table cut
        short would otherwise fail on the first long prompt instead of at load."""
        w = self._weights
        rows = {"word": self._tokenizer.get_vocab_size(), "position": self.max_tokens}
        for name, needed in rows.items():
            if w[name].ndim != 2 or w[name].shape[0] < needed or w[name].shape[1] != hidden:
                raise ArtifactError(f"model.safetensors: {name} embeddings have shape {w[name].shape}, need at least "
                                    f"{needed} rows of {hidden} (the tokenizer's vocabulary, max_tokens)")
        widths = {"type": hidden, "ln_w": hidden, "ln_b": hidden}
        inner = w["encoder.layer.0.intermediate.dense.b"].shape[0] if self.layers else 0
        for layer in range(self.layers):
            prefix = f"encoder.layer.{layer}."
            for name in _LAYER_TENSORS:
                out = inner if name == "intermediate.dense" else hidden
                widths[prefix + name + ".b"] = out
                if w[prefix + name + ".w"].shape != (inner if name == "output.dense" else hidden, out):
                    raise ArtifactError(f"model.safetensors: {prefix}{name} has shape "
                                        f"{w[prefix + name + '.w'].T.shape}, which does not fit hidden_size={hidden}")
            widths.update({prefix + name + part: hidden for name in _LAYER_NORMS for part in (".w", ".b")})
        for name, width in widths.items():
            if w[name].shape != (width,):
                raise ArtifactError(f"model.safetensors: {name} has shape {w[name].shape}, expected ({width},)")

    @classmethod
    def from_hf_folder(cls, folder: str | Path, **options: Any) -> NumpyBert:
        """A BERT folder as transformers saves it (safetensors weights only: no pickle is opened)."""
        from safetensors.numpy import load_file

        location = Path(folder)
        weights = location / "model.safetensors"
        if not weights.is_file():
            raise ArtifactError(f"{location}: no model.safetensors here (pickled weights are never loaded)")
        tensors = {name.removeprefix("bert."): value for name, value in load_file(str(weights)).items()}
        config = json.loads((location / "config.json").read_text(encoding="utf-8"))
        tokenizer_json = (location / "tokenizer.json").read_text(encoding="utf-8")
        return cls(tensors, tokenizer_json, config, **options)

    def quantized_tensors(self) -> dict[str, np.ndarray]:
        """The int8 + scale tensors a saved router stores (LayerNorms, biases and positions stay float32)."""
        out: dict[str, np.ndarray] = {}
        q, scale = quantize_rows(self._weights["word"])
        out["embeddings.word_embeddings.q"], out["embeddings.word_embeddings.scale"] = q, scale
        out["embeddings.position_embeddings.weight"] = self._weights["position"][: self.max_tokens]
        out["embeddings.token_type_embeddings.weight"] = self._weights["type"][None, :]
        out["embeddings.LayerNorm.weight"], out["embeddings.LayerNorm.bias"] = self._weights["ln_w"], self._weights["ln_b"]
        for layer in range(self.layers):
            prefix = f"encoder.layer.{layer}."
            for name in _LAYER_TENSORS:
                q, scale = quantize_rows(self._weights[prefix + name + ".w"].T)
                out[prefix + name + ".q"], out[prefix + name + ".scale"] = q, scale
                out[prefix + name + ".bias"] = self._weights[prefix + name + ".b"]
            for name in _LAYER_NORMS:
                out[prefix + name + ".weight"] = self._weights[prefix + name + ".w"]
                out[prefix + name + ".bias"] = self._weights[prefix + name + ".b"]
        return out

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Word pieces with [CLS]/[SEP], long texts cut to their head and tail."""
        budget = self.max_tokens - 2
        rows = []
        for encoding in self._tokenizer.encode_batch(list(texts), add_special_tokens=False):
            ids = encoding.ids
            if len(ids) > budget:
                ids = ids[: self.head_tokens] + ids[len(ids) - (budget - self.head_tokens):]
            rows.append([self._cls, *ids, self._sep])
        return rows

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Mean-pooled last hidden states, one row per text, in the caller's order."""
        ids = self.token_ids(texts)
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        order = np.argsort([len(row) for row in ids], kind="stable")  # similar lengths share a batch: less padding
        for start in range(0, len(order), self.batch_size):
            chosen = order[start : start + self.batch_size]
            out[chosen] = self._forward([ids[i] for i in chosen])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        w = self._weights
        length = max(map(len, batch))
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1.0
        x = w["word"][ids] + w["position"][:length] + w["type"]
        x = _layer_norm(x, w["ln_w"], w["ln_b"], self._eps)
        n, t, hidden = x.shape
        heads, size = self._heads, hidden // self._heads
        blocked = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."
            flat = x.reshape(n * t, hidden)

            def project(name: str, inputs: np.ndarray, p: str = p) -> np.ndarray:
                return inputs @ w[p + name + ".w"] + w[p + name + ".b"]

            def split(v: np.ndarray) -> np.ndarray:
                return v.reshape(n, t, heads, size).transpose(0, 2, 1, 3)

            q = split(project("attention.self.query", flat))
            k = split(project("attention.self.key", flat))
            v = split(project("attention.self.value", flat))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size) + blocked
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * t, hidden)
            attended = _layer_norm(project("attention.output.dense", context) + flat,
                                   w[p + "attention.output.LayerNorm.w"], w[p + "attention.output.LayerNorm.b"],
                                   self._eps)
            inner = project("intermediate.dense", attended)
            inner = 0.5 * inner * (1.0 + _erf(inner / np.sqrt(2.0)))
            x = _layer_norm(project("output.dense", inner) + attended, w[p + "output.LayerNorm.w"],
                            w[p + "output.LayerNorm.b"], self._eps).reshape(n, t, hidden)
        summed = (x * mask[:, :, None]).sum(axis=1)
        return (summed / mask.sum(axis=1, keepdims=True)).astype(np.float32)
