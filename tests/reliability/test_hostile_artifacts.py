"""Hostile and broken artifacts (issue 18 items 11 and 12): every one is a typed error at load.

Most cases rewrite ``model.safetensors`` *and* its digest in ``config.json``, as an attacker
who controls both files would: what the digest cannot catch, the shape and range checks must.
"""

from __future__ import annotations

import json
import pickle
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from routed_llm.artifacts import FORMAT_VERSION, read_config
from routed_llm.encoders import TransformersEncoder
from routed_llm.errors import ArtifactError, ConfigurationError
from routed_llm.routing.ood import OutOfDistributionGuard
from routed_llm.scorers import load_scorer
from routed_llm.scorers.lexical import LexicalScorer
from routed_llm.scorers.sw import SWScorer
from routed_llm.testing import FakeProvider
from routed_llm.training.labels import Battles

HARD = ["prove the theorem about primes", "derive the integral of x", "prove the lemma on groups"]
EASY = ["hello there", "hi thanks a lot", "what is the cat called"]
PROMPTS = (HARD + EASY) * 4


def lexical_router(tmp_path: Path) -> Path:
    gains = [1.0 if prompt in HARD else -0.5 for prompt in PROMPTS]
    return LexicalScorer(n_features=256, calibration_folds=2).fit(PROMPTS, gains).save_pretrained(tmp_path / "router")


def edit_config(directory: Path, change: Callable[[dict[str, Any]], None]) -> None:
    config = json.loads((directory / "config.json").read_text())
    change(config)
    (directory / "config.json").write_text(json.dumps(config))


def rewrite_tensors(directory: Path, **tensors: np.ndarray) -> None:
    """Replace tensors and record the new file's digest, as an attacker holding both files would."""
    import hashlib

    state = {**load_file(str(directory / "model.safetensors")), **tensors}
    save_file(state, str(directory / "model.safetensors"))
    digest = hashlib.sha256((directory / "model.safetensors").read_bytes()).hexdigest()
    edit_config(directory, lambda config: config.update(sha256={"model.safetensors": digest}))


def test_a_saved_router_records_the_sha256_of_its_weights(tmp_path: Path) -> None:
    import hashlib

    directory = lexical_router(tmp_path)
    config = read_config(directory)
    assert config["format_version"] == FORMAT_VERSION == 3
    assert config["sha256"] == {"model.safetensors": hashlib.sha256((directory / "model.safetensors").read_bytes())
                                .hexdigest()}
    assert load_scorer(directory).score(HARD).min() > load_scorer(directory).score(EASY).max()


def test_a_flipped_byte_in_well_formed_weights_is_refused(tmp_path: Path) -> None:
    directory = lexical_router(tmp_path)
    weights = directory / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-3] ^= 0x01  # inside the last tensor's data: the file still parses
    weights.write_bytes(bytes(data))
    load_file(str(weights))
    with pytest.raises(ArtifactError, match="SHA-256"):
        load_scorer(directory)


@pytest.mark.parametrize(("tensors", "field"), [
    ({"intercept": np.array([1e9])}, "intercept"),              # every prompt would score 1.0
    ({"intercept": np.array([0.1, 0.2])}, "intercept"),         # wrong shape
    ({"intercept": np.zeros(0)}, "intercept"),                  # was an IndexError
    ({"coef": np.full(256, np.inf, dtype=np.float32)}, "coef"),
    ({"coef": np.full(256, np.nan, dtype=np.float32)}, "coef"),
    ({"score_quantiles": np.full(101, 0.9)}, "score_quantiles"),  # every share -> one threshold
    ({"score_quantiles": np.zeros(0)}, "score_quantiles"),      # was a ValueError on strong_share
    ({"score_quantiles": np.linspace(1.0, 0.0, 101)}, "score_quantiles"),
    ({"score_quantiles": np.linspace(0.0, 2.0, 101)}, "score_quantiles"),
    ({"score_quantiles": np.full((101, 2), 0.5)}, "score_quantiles"),
], ids=["intercept-1e9", "intercept-shape", "intercept-empty", "coef-inf", "coef-nan", "quantiles-constant",
        "quantiles-empty", "quantiles-decreasing", "quantiles-out-of-range", "quantiles-matrix"])
def test_tampered_weights_with_a_matching_digest_are_refused(
    tmp_path: Path, tensors: dict[str, np.ndarray], field: str
) -> None:
    directory = lexical_router(tmp_path)
    rewrite_tensors(directory, **tensors)
    with pytest.raises(ArtifactError, match=field):
        load_scorer(directory)


@pytest.mark.parametrize("version", [True, 0, -1, "2", 2.0, None])
def test_a_format_version_that_is_not_a_positive_integer_is_refused(tmp_path: Path, version: Any) -> None:
    directory = lexical_router(tmp_path)
    edit_config(directory, lambda config: config.update(format_version=version))
    with pytest.raises(ArtifactError, match="format_version"):
        load_scorer(directory)


@pytest.mark.parametrize("digests", [None, {}, {"model.safetensors": "00"}, {"model.safetensors": "A" * 64},
                                     {"model.safetensors": "0" * 64, "other.bin": "0" * 64}])
def test_a_format_2_artifact_without_a_well_formed_digest_is_refused(tmp_path: Path, digests: Any) -> None:
    directory = lexical_router(tmp_path)
    edit_config(directory, lambda config: config.update(sha256=digests) if digests is not None else config.pop("sha256"))
    with pytest.raises(ArtifactError, match="sha256"):
        load_scorer(directory)


def test_a_format_1_artifact_loads_only_when_allowed_and_saving_it_again_upgrades_it(tmp_path: Path) -> None:
    directory = lexical_router(tmp_path)
    edit_config(directory, lambda config: (config.update(format_version=1), config.pop("sha256")))
    with pytest.raises(ArtifactError, match="allow_unverified=True"):
        load_scorer(directory)
    with pytest.raises(ArtifactError, match="allow_unverified=True"):
        LexicalScorer.from_pretrained(directory)
    old = load_scorer(directory, allow_unverified=True)
    old.save_pretrained(directory, metadata=read_config(str(directory))["metadata"])
    assert read_config(directory)["format_version"] == FORMAT_VERSION
    np.testing.assert_allclose(load_scorer(directory).score(PROMPTS), old.score(PROMPTS))


def test_allow_unverified_still_checks_the_numbers(tmp_path: Path) -> None:
    directory = lexical_router(tmp_path)
    rewrite_tensors(directory, intercept=np.array([np.inf]))
    edit_config(directory, lambda config: (config.update(format_version=1), config.pop("sha256")))
    with pytest.raises(ArtifactError, match="intercept"):
        load_scorer(directory, allow_unverified=True)


def test_a_config_nested_100k_deep_is_an_artifact_error(tmp_path: Path) -> None:
    directory = lexical_router(tmp_path)
    text = (directory / "config.json").read_text()
    (directory / "config.json").write_text(text.replace('"metadata": {}', '"metadata": ' + "[" * 100_000 + "]" * 100_000))
    with pytest.raises(ArtifactError, match="nested"):
        load_scorer(directory)
    (directory / "config.json").write_text(text)
    edit_config(directory, lambda config: config["state"].update(deep=json.loads("[" * 40 + "]" * 40)))
    with pytest.raises(ArtifactError, match="state.deep"):
        load_scorer(directory)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_a_non_finite_number_in_params_is_refused_naming_it(tmp_path: Path, value: str) -> None:
    directory = lexical_router(tmp_path)
    text = (directory / "config.json").read_text().replace('"alpha": 1.0', f'"alpha": {value}')
    (directory / "config.json").write_text(text)
    with pytest.raises(ArtifactError, match="params.alpha"):
        load_scorer(directory)


def test_non_finite_weights_are_not_saved(tmp_path: Path) -> None:
    scorer = LexicalScorer(n_features=256, calibration_folds=2).fit(PROMPTS, [0.5] * 12 + [-0.5] * 12)
    scorer.coef_[3] = np.nan
    with pytest.raises(ArtifactError, match="coef"):
        scorer.save_pretrained(tmp_path / "router")
    assert not (tmp_path / "router").exists()


def test_sw_battles_naming_a_model_that_was_not_saved_are_refused(tmp_path: Path) -> None:
    battles = Battles(prompts=HARD + EASY, models=["big", "small"], prompt_index=np.arange(6),
                      model_a=np.zeros(6, int), model_b=np.ones(6, int), outcome=np.array([1.0] * 3 + [0.0] * 3))
    directory = SWScorer("big", "small", encoder={"type": "hashing", "n_features": 64}).fit(battles) \
        .save_pretrained(tmp_path / "sw")
    rewrite_tensors(directory, model_b=np.full(6, 7, dtype=np.int64))
    with pytest.raises(ArtifactError, match="model_b"):
        load_scorer(directory)


# -- the OOD guard's centroids against its encoder -------------------------------------------------
def guard_with_encoder(tmp_path: Path, encoder: Any) -> Path:
    directory = OutOfDistributionGuard(encoder={"type": "hashing", "n_features": 64}, n_centroids=2) \
        .fit(PROMPTS).save_pretrained(tmp_path / "guard")
    edit_config(directory, lambda config: config["params"].update(encoder=encoder))
    return directory


def test_a_guard_whose_encoder_does_not_fit_its_centroids_is_refused_at_load(tmp_path: Path) -> None:
    directory = guard_with_encoder(tmp_path, {"type": "hashing", "n_features": 128})
    with pytest.raises(ArtifactError, match="centroids"):
        OutOfDistributionGuard.from_pretrained(directory)


def test_a_local_checkpoint_gives_its_width_without_loading_and_is_checked_at_load(
    tmp_path: Path, tiny_bert: Path
) -> None:
    encoder = TransformersEncoder(str(tiny_bert))
    assert encoder.dimension == 32 and encoder._loaded is None
    directory = guard_with_encoder(tmp_path, {"type": "transformers", "model": str(tiny_bert)})
    with pytest.raises(ArtifactError, match="32-dimensional"):
        OutOfDistributionGuard.from_pretrained(directory)


def test_an_encoder_of_unknown_width_that_does_not_fit_is_a_typed_error_when_routing(
    tmp_path: Path, provider: FakeProvider
) -> None:
    encoder = {"type": "litellm", "model": "openai/fake-embed", "api_base": provider.base_url, "api_key": "sk-x"}
    directory = guard_with_encoder(tmp_path, encoder)  # 64-d centroids; the provider's vectors are 16-d
    guard = OutOfDistributionGuard.from_pretrained(directory)
    guard.encoder = encoder  # the key was not saved; give it back as a caller would
    with pytest.raises(ArtifactError, match="16-dimensional"):
        guard.pin("hello")


# -- pickled weights are never opened ---------------------------------------------------------------
class _Planted:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_a_checkpoint_with_only_pickled_weights_is_a_typed_error_and_is_never_unpickled(
    tmp_path: Path, tiny_bert: Path
) -> None:
    folder = tmp_path / "checkpoint"
    shutil.copytree(tiny_bert, folder, ignore=shutil.ignore_patterns("*.safetensors"))
    marker = tmp_path / "unpickled"
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(_Planted(marker)))
    with pytest.raises(ConfigurationError, match="model.safetensors"):
        TransformersEncoder(str(folder)).encode(["hello"])
    assert not marker.exists()


# -- issue 27 B7: the shipped default router, edited as an attacker holding every file would ----------
DEFAULT = Path(__file__).resolve().parents[2] / "src" / "routed_llm" / "_default"


def default_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DEFAULT, tmp_path / "default"))


def resign_assets(directory: Path) -> None:
    """Record every member file's new digest in the blend's config, as an attacker would."""
    import hashlib

    def change(config: dict[str, Any]) -> None:
        config["assets"] = {name: hashlib.sha256((directory / "assets" / name).read_bytes()).hexdigest()
                            for name in config["assets"]}

    edit_config(directory, change)


TOKEN_MEMBER = ("assets", "members", "1")
"""The default's ask-kind member: a token-embedding router, the one whose encoder is checked."""


def edit_member(directory: Path, change: Callable[[dict[str, Any]], None], **tensors: np.ndarray) -> None:
    member = directory.joinpath(*TOKEN_MEMBER)
    if tensors:
        rewrite_tensors(member, **tensors)
    edit_config(member, change)
    resign_assets(directory)


def member_tensor(directory: Path, name: str) -> np.ndarray:
    return load_file(str(directory.joinpath(*TOKEN_MEMBER, "model.safetensors")))[name]


def test_b7_a_5001_digit_format_version_is_an_artifact_error_and_the_cli_prints_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from routed_llm.cli import main

    directory = default_copy(tmp_path)
    text = (directory / "config.json").read_text()
    huge = re.sub(r'"format_version": \d+', '"format_version": ' + "9" * 5001, text, count=1)
    assert huge != text
    (directory / "config.json").write_text(huge)
    with pytest.raises(ArtifactError, match="format_version"):
        load_scorer(directory)
    assert main(["route", "--router", str(directory), "hello"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "format_version" in captured.err


@pytest.mark.parametrize("value", [[], "x", 7, None, {"hidden_size": "384"}, {"hidden_size": 10**30}])
def test_b7_an_encoder_config_of_the_wrong_type_is_an_artifact_error(tmp_path: Path, value: Any) -> None:
    directory = default_copy(tmp_path)
    edit_member(directory, lambda config: config["state"].update(encoder_config=value))
    with pytest.raises(ArtifactError, match="encoder_config"):
        load_scorer(directory)


POSITION = "encoder.embeddings.position_embeddings.weight"
WORDS = "encoder.embeddings.word_embeddings.q"
WORD_SCALES = "encoder.embeddings.word_embeddings.scale"
LAYER_NORM = "encoder.embeddings.LayerNorm.weight"


@pytest.mark.parametrize("case", ["position_rows", "vocabulary_rows", "layer_norm_width", "max_tokens"])
def test_b7_token_embedding_shapes_that_do_not_fit_the_config_are_refused_at_load(tmp_path: Path, case: str) -> None:
    directory = default_copy(tmp_path)
    if case == "position_rows":
        edit_member(directory, lambda config: None, **{POSITION: member_tensor(directory, POSITION)[:20]})
    elif case == "vocabulary_rows":
        edit_member(directory, lambda config: None, **{WORDS: member_tensor(directory, WORDS)[:1000],
                                                       WORD_SCALES: member_tensor(directory, WORD_SCALES)[:1000]})
    elif case == "layer_norm_width":
        edit_member(directory, lambda config: None, **{LAYER_NORM: member_tensor(directory, LAYER_NORM)[:100]})
    else:
        edit_member(directory, lambda config: config["params"].update(max_tokens=100_000))
    with pytest.raises(ArtifactError):
        load_scorer(directory)


@pytest.mark.parametrize("weights", [["a", "b"], "ab", [-1.0, 2.0], [True, 1.0], [{}, 1.0], [1e308, 1e308],
                                     [0.0, 0.0], [0.5], [0.5, 0.5, 0.5]])
def test_b7_blend_weights_must_be_finite_positive_numbers_one_per_member(tmp_path: Path, weights: Any) -> None:
    directory = default_copy(tmp_path)
    edit_config(directory, lambda config: config["params"].update(weights=weights))
    with pytest.raises(ArtifactError, match="weights"):
        load_scorer(directory)
