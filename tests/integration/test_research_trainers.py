"""``routed-llm train`` for bert, hybrid and causal_llm on small written data (tiny models, loopback fake)."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from routed_llm.cli import main
from routed_llm.scorers import load_scorer
from routed_llm.testing import FakeProvider, FakeReply

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

STRONG, WEAK = "big-model", "small-model"
WORDS = "the a cat dog prove theorem integral hello hi what is sum of thanks lemma derive".split()
HARD = ["prove the theorem", "derive the integral", "prove the lemma", "derive the sum of the integral"]
EASY = ["hello", "hi thanks", "what is the cat", "hello dog"]




@pytest.fixture()
def golden_csv(tmp_path: Path) -> Path:
    """RouteLLM format: the strong model is needed exactly on the HARD prompts."""
    path = tmp_path / "bench.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", WEAK, STRONG])
        for copy in range(4):
            for prompt in HARD:
                writer.writerow([f"{prompt} {WORDS[copy]}", "False", "True"])
            for prompt in EASY:
                writer.writerow([f"{prompt} {WORDS[copy]}", "True", "True"])
    return path


def train(data: Path, out: Path, router: str, *extra: str) -> dict[str, Any]:
    return_code = main(["train", "--router", router, "--data", str(data), "--strong", STRONG, "--weak", WEAK,
                        "--out", str(out), "--json", *extra])
    assert return_code == 0
    return {}


def test_bert_trains_from_golden_labels_and_saves(tiny_bert: Path, golden_csv: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    train(golden_csv, tmp_path / "bert", "bert", "--encoder", str(tiny_bert), "--option", "epochs=4",
          "--option", "learning_rate=0.003", "--option", "max_length=16", "--option", "max_prompts=20")
    summary = json.loads(capsys.readouterr().out)
    assert summary["router"] == "bert" and summary["held_out"][0]["n"] == 8
    scorer = load_scorer(tmp_path / "bert")
    assert scorer.checkpoint == str(tiny_bert)
    config = json.loads((tmp_path / "bert" / "config.json").read_text())
    assert config["metadata"]["training_prompts"] == 24
    scores = scorer.score(HARD + EASY)
    assert scores[: len(HARD)].mean() > scores[len(HARD):].mean()


def test_hybrid_trains_on_benchmark_qualities_with_each_scheme(tiny_bert: Path, golden_csv: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    for scheme in ("det", "prob", "trans"):
        train(golden_csv, tmp_path / scheme, "hybrid", "--encoder", str(tiny_bert),
              "--option", f"label_scheme={scheme}", "--option", "epochs=300", "--option", "learning_rate=0.01")
        capsys.readouterr()
        scorer = load_scorer(tmp_path / scheme)
        assert scorer.label_scheme == scheme and scorer.relaxation_ == 0.0
        scores = scorer.score(HARD + EASY)
        assert scores[: len(HARD)].min() > scores[len(HARD):].max()


def test_hybrid_trains_from_battles(tiny_bert: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    battles = tmp_path / "battles.jsonl"
    with battles.open("w") as handle:
        for copy in range(3):
            for prompt in HARD + EASY:
                winner = "model_a" if prompt in HARD else "tie"
                handle.write(json.dumps({"prompt": f"{prompt} {WORDS[copy]}", "model_a": STRONG,
                                         "model_b": WEAK, "winner": winner}) + "\n")
    train(battles, tmp_path / "hybrid", "hybrid", "--labels", "battles", "--encoder", str(tiny_bert),
          "--option", "epochs=300", "--option", "learning_rate=0.01")
    summary = json.loads(capsys.readouterr().out)
    assert summary["held_out"][0]["decisive_agreement"] >= 0.0
    scores = load_scorer(tmp_path / "hybrid").score(HARD + EASY)
    assert scores[: len(HARD)].min() > scores[len(HARD):].max()


def test_causal_llm_calibrates_through_litellm(golden_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-test-key")

    def rater(body: Mapping[str, Any]) -> FakeReply:
        rating = "5" if "prove" in body["messages"][-1]["content"] or "derive" in body["messages"][-1]["content"] else "1"
        return FakeReply(content=rating, logprobs=[{"token": rating, "logprob": math.log(0.9),
                                                    "top_logprobs": [{"token": rating, "logprob": math.log(0.9)}]}])

    with FakeProvider(rater) as fake:
        train(golden_csv, tmp_path / "llm", "causal_llm", "--option", "model=openai/rater",
              "--option", f"api_base={fake.base_url}", "--option", "num_retries=0")
        summary = json.loads(capsys.readouterr().out)
        # the rater separates the rows perfectly; with k of the 8 held-out rows hard, a perfect
        # router's APGR is 1 - k / 16, and random's is 0.5
        assert summary["held_out"][0]["apgr"] > 0.6
        scorer = load_scorer(tmp_path / "llm")
        assert scorer.score_quantiles_ is not None
        assert "sk-fake" not in (tmp_path / "llm" / "config.json").read_text()


def test_bad_trainer_options_name_the_option(golden_csv: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--router", "hybrid", "--data", str(golden_csv), "--strong", STRONG, "--weak", WEAK,
                 "--out", str(tmp_path / "x"), "--option", "max_prompts=0"]) == 1
    assert "max_prompts" in capsys.readouterr().err
    assert main(["train", "--router", "bert", "--data", str(golden_csv), "--strong", STRONG, "--weak", WEAK,
                 "--out", str(tmp_path / "x"), "--option", "no_such=1"]) == 1
    assert "does not fit BertScorer" in capsys.readouterr().err
