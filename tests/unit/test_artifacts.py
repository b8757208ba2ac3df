"""The artifact contract every trainable scorer relies on, exercised with a tiny scorer."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from routed_llm import ArtifactError
from routed_llm.artifacts import ArtifactMixin, read_config
from routed_llm.scorers.base import BaseScorer


class _Linear(ArtifactMixin, BaseScorer):
    name: ClassVar[str] = "tiny-linear"

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def fit(self, weights: np.ndarray) -> _Linear:
        self.weights_ = weights
        return self

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        lengths = np.array([len(p) for p in prompts], dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-self.scale * self.weights_[0] * lengths))

    def _state_dict(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights_}

    def _extra_config(self) -> dict[str, Any]:
        return {"note": "hi"}

    def _load_state(self, state: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        self.weights_ = state["weights"]
        self.note_ = extra["note"]


def _saved(tmp_path: Path) -> Path:
    scorer = _Linear(scale=0.5).fit(np.array([0.1]))
    scorer.score_quantiles_ = np.linspace(0, 1, 101)
    return scorer.save_pretrained(tmp_path / "router", metadata={"data": "unit"})


def test_round_trip(tmp_path: Path) -> None:
    directory = _saved(tmp_path)
    assert sorted(p.name for p in directory.iterdir()) == ["config.json", "model.safetensors"]
    loaded = _Linear.from_pretrained(directory)
    assert loaded.scale == 0.5 and loaded.note_ == "hi"
    np.testing.assert_allclose(loaded.score(["abc"]), _Linear(0.5).fit(np.array([0.1])).score(["abc"]))
    assert loaded.threshold_for_strong_share(0.3) == pytest.approx(0.7)
    assert read_config(directory)["metadata"] == {"data": "unit"}


def test_wrong_scorer_type_is_refused(tmp_path: Path) -> None:
    directory = _saved(tmp_path)
    config = json.loads((directory / "config.json").read_text())
    config["scorer"] = "other"
    (directory / "config.json").write_text(json.dumps(config))
    with pytest.raises(ArtifactError, match="'other'"):
        _Linear.from_pretrained(directory)


def test_newer_format_is_refused(tmp_path: Path) -> None:
    directory = _saved(tmp_path)
    config = json.loads((directory / "config.json").read_text())
    config["format_version"] = 99
    (directory / "config.json").write_text(json.dumps(config))
    with pytest.raises(ArtifactError, match="newer"):
        _Linear.from_pretrained(directory)


def test_truncated_weights_are_refused(tmp_path: Path) -> None:
    directory = _saved(tmp_path)
    weights = directory / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:20])
    with pytest.raises(ArtifactError, match="corrupt or truncated"):
        _Linear.from_pretrained(directory)


def test_tampered_tensor_list_is_refused(tmp_path: Path) -> None:
    directory = _saved(tmp_path)
    config = json.loads((directory / "config.json").read_text())
    config["tensors"] = ["weights"]
    (directory / "config.json").write_text(json.dumps(config))
    with pytest.raises(ArtifactError, match="do not match"):
        _Linear.from_pretrained(directory)


def test_missing_or_invalid_config(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="not a saved router"):
        _Linear.from_pretrained(tmp_path / "nowhere" / "at" / "all")
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        _Linear.from_pretrained(tmp_path)


def test_load_scorer_refuses_an_unknown_scorer_name(tmp_path: Path) -> None:
    from routed_llm.scorers import load_scorer
    from routed_llm.scorers.registry import resolve_scorer

    directory = _saved(tmp_path)  # "tiny-linear" is no registered scorer
    with pytest.raises(ArtifactError, match="unknown scorer 'tiny-linear'"):
        load_scorer(directory)
    with pytest.raises(ArtifactError, match="unknown scorer"):
        resolve_scorer(str(directory))


def test_nothing_in_a_saved_router_is_executable(tmp_path: Path) -> None:
    directory = _saved(tmp_path)
    weights = (directory / "model.safetensors").read_bytes()
    assert not weights.startswith(b"\x80")  # no pickle protocol header
    json.loads((directory / "config.json").read_text())  # plain JSON
