"""Encoders: the text-hash cache, the hashing featuriser, specs, and a tiny local transformers model."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pytest

from routed_llm.encoders import EmbeddingCache, HashingEncoder, LiteLLMEncoder, TransformersEncoder, encoder_from_spec
from routed_llm.errors import ConfigurationError


def test_cache_computes_only_missing_texts_once() -> None:
    calls: list[list[str]] = []

    def compute(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.array([[len(text), 1.0] for text in texts])

    cache = EmbeddingCache(max_entries=10)
    first = cache.encode_with(["a", "bb", "a"], compute)
    second = cache.encode_with(["bb", "ccc"], compute)
    assert calls == [["a", "bb"], ["ccc"]]
    np.testing.assert_array_equal(first[:, 0], [1, 2, 1])
    np.testing.assert_array_equal(second[:, 0], [2, 3])


def test_cache_is_bounded_and_evicts_least_recently_used() -> None:
    calls: list[str] = []

    def compute(texts: list[str]) -> np.ndarray:
        calls.extend(texts)
        return np.zeros((len(texts), 2))

    cache = EmbeddingCache(max_entries=2)
    cache.encode_with(["x", "y"], compute)
    cache.encode_with(["x"], compute)  # x is now the most recent
    cache.encode_with(["z"], compute)  # evicts y
    assert len(cache) == 2
    cache.encode_with(["x", "y"], compute)
    assert calls == ["x", "y", "z", "y"]


def test_hashing_rows_are_unit_length_and_stable_across_instances() -> None:
    texts = ["What is the capital of France?", "Prove that sqrt(2) is irrational", ""]
    first = HashingEncoder(n_features=1024).encode(texts)
    second = HashingEncoder(n_features=1024).encode(texts)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first[:2], axis=1), 1.0, rtol=1e-6)
    assert not first[2].any()


def test_hashing_sparse_products_match_dense() -> None:
    encoder = HashingEncoder(n_features=256, format_split=True)
    rows = encoder.transform(["alpha beta gamma", "A. one\nB. two\nAnswer:", "delta"])
    dense = rows.dense()
    vector = np.arange(256, dtype=np.float64)
    np.testing.assert_allclose(rows.dot(vector), dense @ vector)
    np.testing.assert_allclose(rows.rdot(np.array([1.0, 2.0, 3.0])), dense.T @ np.array([1.0, 2.0, 3.0]))


def test_format_split_tags_multiple_choice_and_open_prompts_differently() -> None:
    encoder = HashingEncoder(n_features=2**16, format_split=True)
    plain = set(HashingEncoder(n_features=2**16).buckets("what is two plus two"))
    open_buckets = set(encoder.buckets("what is two plus two"))
    mcq_buckets = set(encoder.buckets("what is two plus two\nA. 3\nB. 4"))
    assert plain < open_buckets
    assert len(open_buckets - plain) == len(plain)
    assert not (open_buckets - plain) & mcq_buckets


def test_format_tagged_buckets_hash_the_tag_and_gram_together() -> None:
    """Shipped routers' weights were learnt on crc32(tag + gram): the bucket must not change."""
    encoder = HashingEncoder(n_features=2**18, ngram_max=1, format_split=True)
    buckets = encoder.bucket_set("Which one?\nA. yes\nB. no")
    mask = 2**18 - 1
    assert zlib.crc32(b"\x00mcq\x00which") & mask in buckets
    assert zlib.crc32(b"\x00open\x00which") & mask not in buckets
    assert encoder.buckets("Which one?\nA. yes\nB. no") == sorted(buckets)


@pytest.mark.parametrize("n_features", [0, 3, 1000, "8"])
def test_hashing_rejects_bad_sizes(n_features: object) -> None:
    with pytest.raises(ConfigurationError, match="n_features"):
        HashingEncoder(n_features=n_features)  # type: ignore[arg-type]


def test_specs_round_trip() -> None:
    for encoder in (HashingEncoder(n_features=64, ngram_max=1), LiteLLMEncoder("openai/text-embedding-3-small"),
                    TransformersEncoder("some/checkpoint", max_length=64)):
        rebuilt = encoder_from_spec(encoder.spec())
        assert type(rebuilt) is type(encoder)
        assert rebuilt.spec() == encoder.spec()
    assert isinstance(encoder_from_spec("hashing"), HashingEncoder)
    assert encoder_from_spec("litellm:ollama/nomic-embed-text").spec()["model"] == "ollama/nomic-embed-text"
    assert encoder_from_spec("minilm").spec()["model"] == "minilm"


@pytest.mark.parametrize("spec", [{"type": "word2vec"}, {"type": "hashing", "size": 3}, "", 42])
def test_bad_specs_name_the_field(spec: object) -> None:
    with pytest.raises(ConfigurationError, match="encoder"):
        encoder_from_spec(spec)  # type: ignore[arg-type]


def test_transformers_encoder_mean_pools_batches_and_caches(tiny_bert: Path) -> None:
    encoder = TransformersEncoder(str(tiny_bert), batch_size=2, max_length=8)
    texts = ["hello world", "prove the theorem " * 10, "cat", "dog dog"]
    vectors = encoder.encode(texts)
    assert vectors.shape == (4, 32)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    one_by_one = np.stack([TransformersEncoder(str(tiny_bert), max_length=8).encode([t])[0] for t in texts])
    np.testing.assert_allclose(vectors, one_by_one, atol=1e-5)  # padding does not leak into the mean
    assert len(encoder._cache) == 4
    np.testing.assert_array_equal(encoder.encode(["cat"])[0], vectors[2])


def test_transformers_encoder_names_a_missing_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="encoder.model"):
        TransformersEncoder(str(tmp_path / "nowhere")).encode(["x"])


def test_an_encoder_owner_builds_once_and_again_when_the_spec_changes() -> None:
    from routed_llm.encoders.base import EncoderOwner, unit_rows

    class Owner(EncoderOwner):
        def __init__(self, encoder: object) -> None:
            self.encoder = encoder  # type: ignore[assignment]

    owner = Owner({"type": "hashing", "n_features": 64})
    first = owner._built_encoder()
    assert owner._built_encoder() is first and first.n_features == 64
    owner.encoder = {"type": "hashing", "n_features": 128}
    assert owner._built_encoder().n_features == 128
    rows = unit_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(rows, [[0.6, 0.8], [0.0, 0.0]])


def test_transformers_encoder_keeps_the_question_after_a_long_preamble(tiny_bert: Path) -> None:
    preamble = "hello the cat is a dog " * 10
    texts = [preamble + "prove the theorem", preamble + "hi thanks"]
    vectors = TransformersEncoder(str(tiny_bert), max_length=24).encode(texts)
    assert float(vectors[0] @ vectors[1]) < 0.999
    start_only = TransformersEncoder(str(tiny_bert), max_length=24, head_tokens=24).encode(texts)
    np.testing.assert_allclose(start_only[0], start_only[1], atol=1e-6)
    with pytest.raises(ConfigurationError, match="encoder.head_tokens"):
        TransformersEncoder(str(tiny_bert), head_tokens=-1)


def test_a_router_saved_before_head_tokens_keeps_its_embedding_space(tiny_bert: Path, tmp_path: Path) -> None:
    """Its vectors were computed from each prompt's start: loading must keep cutting there."""
    from routed_llm.data.battles import golden_battles
    from routed_llm.data.table import BenchmarkTable
    from routed_llm.scorers import load_scorer
    from routed_llm.scorers.sw import SWScorer

    table = BenchmarkTable(prompts=["prove the theorem", "hi thanks", "derive the integral", "hello"],
                           models=["big", "small"], quality=np.array([[1, 0], [1, 1], [1, 0], [0, 1]], dtype=float))
    encoder = {"type": "transformers", "model": str(tiny_bert), "max_length": 24}
    scorer = SWScorer("big", "small", encoder=encoder).fit(golden_battles(table, "big", "small"))
    directory = scorer.save_pretrained(tmp_path / "router")
    assert load_scorer(directory).get_params()["encoder"] == encoder  # format 3: cut as the spec says
    config = json.loads((directory / "config.json").read_text())
    config["format_version"] = 2
    (directory / "config.json").write_text(json.dumps(config))
    assert load_scorer(directory).get_params()["encoder"] == {**encoder, "head_tokens": 24}
    config["params"]["encoder"] = str(tiny_bert)
    (directory / "config.json").write_text(json.dumps(config))
    assert load_scorer(directory).get_params()["encoder"]["head_tokens"] == 256
