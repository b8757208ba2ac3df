"""Intent routing from a few labelled examples per route (YAML or JSON routes files)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from routed_llm.errors import ConfigurationError, NotFittedError
from routed_llm.scorers import load_scorer
from routed_llm.scorers.multi.intent import IntentRouter, read_routes

from .conftest import WordEncoder

ROUTES = {
    "code": ["write a python function to sort a list", "fix this python loop", "python class for a stack"],
    "math": ["solve the equation for x", "integrate x squared", "prove the equation holds"],
    "general": ["tell me a story", "what is the weather like"],
}


@pytest.mark.parametrize("method", ["centroid", "knn"])
def test_prompts_go_to_their_domain(method: str, encoder: WordEncoder) -> None:
    router = IntentRouter(encoder=encoder, method=method, k=2).fit(ROUTES)
    assert router.models_ == ["code", "math", "general"]
    assert router.route(["write a python function for a queue", "solve the equation for y"]) == ["code", "math"]
    probabilities = router.route_probabilities(["python function"])
    assert probabilities.shape == (1, 3) and probabilities.sum() == pytest.approx(1.0)


def test_low_confidence_goes_to_the_default_route(encoder: WordEncoder) -> None:
    router = IntentRouter(encoder=encoder, threshold=0.9, default="general").fit(ROUTES)
    scores = router.predict_quality(["zebra quantum saxophone", "write a python function to sort a list"])
    assert scores[0].tolist() == [0.0, 0.0, 1.0]  # fits nothing: the default
    assert router.route(["write a python function to sort a list"]) == ["code"]


def test_routes_file_yaml_and_json(tmp_path: Path, encoder: WordEncoder) -> None:
    body = {"default": "general", "threshold": 0.5,
            "routes": {name: {"model": f"openai/{name}-expert", "examples": examples} for name, examples in ROUTES.items()}}
    json_file = tmp_path / "routes.json"
    json_file.write_text(json.dumps(body))
    yaml_file = tmp_path / "routes.yaml"
    yaml_file.write_text("default: general\nthreshold: 0.5\nroutes:\n" + "".join(
        f"  {name}:\n    model: openai/{name}-expert\n    examples:\n" + "".join(f"      - {e}\n" for e in examples)
        for name, examples in ROUTES.items()))
    for path in (json_file, yaml_file):
        router = IntentRouter.from_file(path, encoder=encoder)
        assert router.default == "general" and router.threshold == 0.5
        assert router.route_models_ == {name: f"openai/{name}-expert" for name in ROUTES}
        assert router.route(["integrate x squared please"]) == ["math"]


def test_saved_intent_router_reloads(tmp_path: Path) -> None:
    router = IntentRouter(encoder="hashing", default="general", threshold=0.2).fit(ROUTES)
    router.save_pretrained(tmp_path / "intent")
    loaded = load_scorer(tmp_path / "intent")
    prompts = ["python function", "solve for x", "hello there"]
    assert loaded.route(prompts) == router.route(prompts)
    assert np.allclose(loaded.predict_quality(prompts), router.predict_quality(prompts))


def test_bad_routes_name_the_field(tmp_path: Path, encoder: WordEncoder) -> None:
    with pytest.raises(ConfigurationError, match="default"):
        IntentRouter(encoder=encoder, default="nope").fit(ROUTES)
    with pytest.raises(ConfigurationError, match=r"routes\.code\.examples"):
        IntentRouter(encoder=encoder).fit({"code": []})
    with pytest.raises(ConfigurationError, match="method"):
        IntentRouter(method="svm")
    with pytest.raises(NotFittedError):
        IntentRouter(encoder=encoder).route(["x"])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"routes": {"code": {"examples": "not a list"}}}))
    with pytest.raises(ConfigurationError, match=r"routes\.code"):
        read_routes(bad)
    with pytest.raises(ConfigurationError, match="no such file"):
        read_routes(tmp_path / "missing.yaml")
