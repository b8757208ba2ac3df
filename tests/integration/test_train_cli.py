"""``routed-llm train`` end to end on small files, then the artifact used by route and RoutedClient."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from routed_llm.cli import main
from routed_llm.client import RoutedClient
from routed_llm.scorers.lexical import LexicalScorer

HARD = ["prove the theorem {}", "derive the integral {}", "solve the equation {}"]
EASY = ["hello friend {}", "thanks a lot {}", "what colour is {}"]


def write_routellm_csv(path: Path, n: int = 20) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "weak-model", "strong-model"])
        for i in range(n):
            for template in HARD:
                writer.writerow([template.format(i), "False", "True"])
            for template in EASY:
                writer.writerow([template.format(i), "True", "True"])
    return path


def test_train_golden_then_route_with_the_artifact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_routellm_csv(tmp_path / "bench.csv")
    out = tmp_path / "router"
    code = main(["train", "--router", "lexical", "--data", str(data), "--strong", "strong-model",
                 "--weak", "weak-model", "--out", str(out), "--option", "n_features=1024", "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    held = summary["held_out"][0]
    assert held["n"] == 30 and held["apgr"] > 0.7  # random 0.5; the oracle is 0.75 on this data
    config = json.loads((out / "config.json").read_text())
    assert config["scorer"] == "lexical" and config["metadata"]["holdout"] == 0.25
    assert config["params"]["n_features"] == 1024

    assert main(["route", "--router", str(out), "--strong-share", "0.5", "--json", "prove the theorem 99", "hello friend 99"]) == 0
    decisions = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["role"] for d in decisions] == ["strong", "weak"]

    client = RoutedClient("openai/big", "openai/small", scorer=str(out), strong_share=0.5)
    assert isinstance(client.scorer, LexicalScorer)
    assert client.route("derive the integral 7").role == "strong"


def test_train_lexical_taught_by_a_saved_router(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_routellm_csv(tmp_path / "bench.csv")
    common = ["--data", str(data), "--strong", "strong-model", "--weak", "weak-model", "--json"]
    assert main(["train", "--router", "sw", "--encoder", "hashing", "--out", str(tmp_path / "teacher"), *common]) == 0
    capsys.readouterr()
    out = tmp_path / "student"
    assert main(["train", "--teacher", str(tmp_path / "teacher"), "--out", str(out),
                 "--option", "teacher_weight=0.75", "--option", "n_features=1024", *common]) == 0
    assert json.loads(capsys.readouterr().out)["held_out"][0]["apgr"] > 0.7
    config = json.loads((out / "config.json").read_text())
    assert config["scorer"] == "lexical" and config["params"]["teacher_weight"] == 0.75
    assert config["metadata"]["teacher"] == str(tmp_path / "teacher")

    assert main(["train", "--router", "sw", "--teacher", str(out), "--out", str(tmp_path / "x"), *common]) == 1
    assert "--teacher: only lexical learns from a teacher, not 'sw'" in capsys.readouterr().err


def test_train_sw_from_battles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = []
    for i in range(10):
        rows += [{"prompt": t.format(i), "model_a": "big", "model_b": "small", "winner": "model_a"} for t in HARD]
        rows += [{"prompt": t.format(i), "model_a": "small", "model_b": "big", "winner": "tie"} for t in EASY]
    data = tmp_path / "battles.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    code = main(["train", "--router", "sw", "--labels", "battles", "--data", str(data), "--strong", "big",
                 "--weak", "small", "--encoder", "hashing", "--out", str(tmp_path / "sw")])
    assert code == 0
    output = capsys.readouterr().out
    assert "saved sw router" in output and "decisive_agreement" in output
    assert json.loads((tmp_path / "sw" / "config.json").read_text())["state"]["encoder"]["type"] == "hashing"


def test_train_errors_name_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_routellm_csv(tmp_path / "bench.csv", n=2)
    assert main(["train", "--data", str(data), "--strong", "strong-model", "--weak", "weak-model"]) == 1
    assert "--out" in capsys.readouterr().err
    assert main(["train", "--router", "nope", "--data", str(data), "--strong", "strong-model",
                 "--weak", "weak-model", "--out", str(tmp_path / "x")]) == 1
    assert "no trainer for 'nope'" in capsys.readouterr().err
    assert main(["train", "--data", str(data), "--strong", "gpt-9", "--weak", "weak-model",
                 "--out", str(tmp_path / "x")]) == 1
    assert "gpt-9" in capsys.readouterr().err
    assert main(["train", "--list-trainers"]) == 0
    assert "lexical" in capsys.readouterr().out.split()


def test_token_embedding_names_the_encoder_it_cannot_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_routellm_csv(tmp_path / "bench.csv", n=4)
    assert main(["train", "--scorer", "token_embedding", "--encoder", "hashing", "--data", str(data),
                 "--strong", "strong-model", "--weak", "weak-model", "--out", str(tmp_path / "x")]) == 1
    error = capsys.readouterr().err
    assert "encoder: token_embedding copies a BERT model's embedding layer" in error and "'hashing'" in error
    assert "model.safetensors" not in error


def test_train_refuses_to_overwrite_out_unless_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_routellm_csv(tmp_path / "bench.csv", n=4)
    out = tmp_path / "router"
    command = ["train", "--data", str(data), "--strong", "strong-model", "--weak", "weak-model", "--out", str(out),
               "--option", "n_features=256"]
    assert main(command) == 0
    first = (out / "model.safetensors").read_bytes()
    assert main([*command, "--option", "n_features=512"]) == 1
    assert "--out" in capsys.readouterr().err and (out / "model.safetensors").read_bytes() == first
    assert main([*command, "--option", "n_features=512", "--overwrite"]) == 0
    assert json.loads((out / "config.json").read_text())["params"]["n_features"] == 512
    other = tmp_path / "notes"
    other.mkdir()
    (other / "todo.txt").write_text("mine")
    assert main([*command[:-3], str(other), "--overwrite"]) == 1
    assert "holds no saved router" in capsys.readouterr().err and (other / "todo.txt").read_text() == "mine"


def test_eval_warns_about_rows_the_router_was_trained_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_routellm_csv(tmp_path / "bench.csv")
    out = tmp_path / "router"
    assert main(["train", "--data", str(data), "--strong", "strong-model", "--weak", "weak-model", "--out", str(out),
                 "--option", "n_features=256", "--json"]) == 0
    trained = json.loads((out / "config.json").read_text())["metadata"]["training_prompts"]
    assert trained == 90  # 120 prompts, a quarter held out
    capsys.readouterr()
    assert main(["eval", "--data", str(data), "--strong", "strong-model", "--weak", "weak-model",
                 "--router", str(out), "--router", "random"]) == 0
    error = capsys.readouterr().err
    assert f"warning: 90 of 120 rows of {data} were in the training data of router {str(out)!r}" in error
    assert error.count("warning:") == 1  # the random reference was trained on nothing

    unseen = tmp_path / "unseen.csv"
    unseen.write_text("prompt,weak-model,strong-model\nsomething new,True,True\nprove anew,False,True\n")
    assert main(["eval", "--data", str(unseen), "--strong", "strong-model", "--weak", "weak-model",
                 "--router", str(out)]) == 0
    assert "warning" not in capsys.readouterr().err


def test_train_the_learned_verifier_then_cascade_with_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "arc_train.csv"
    with data.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sample_id", "prompt", "eval_name", "small", "small|total_cost", "small|model_response",
                         "check", "check|total_cost", "check|model_response"])
        for i in range(40):
            right = i % 2 == 0  # the weak model is right exactly where the checker agrees with it
            prompt = repr([f"Question {i}?\nA) one\nB) two\nAnswer:"])
            writer.writerow([f"arc.{i}", prompt, "arc-challenge", float(right), 0.001, repr(["A"]),
                             1.0, 0.002, repr(["A" if right else "B"])])
    out = tmp_path / "verifier"
    assert main(["train", "--verifier", "learned", "--data", str(data), "--weak", "small", "--checker", "check",
                 "--out", str(out), "--option", "n_features=256", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["held_out_rows"] == 10 and summary["wrong_caught"] == 1.0 and summary["escalated"] == 0.5
    client = RoutedClient("openai/big", "openai/small", scorer="random", mode="cascade", verifier=str(out),
                          checker="openai/check")
    assert client._verifier.name == "learned_verifier" and client._verifier.use_others
