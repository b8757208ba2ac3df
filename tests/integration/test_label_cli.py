"""``routed-llm label`` against the loopback fake provider: judge, resume, back off on 429."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from routed_llm.cli import main
from routed_llm.testing import FakeProvider, FakeReply
from routed_llm.training.judge import LabelItem, completed_keys, parse_verdict, read_label_items


def judge_prefers_strong(body: Mapping[str, Any]) -> FakeReply | None:
    """The judge picks the answer written by 'strong', or a tie when the question says so."""
    if body.get("model") != "judge":
        return None
    text = body["messages"][-1]["content"]
    if "tie" in text.split("[The Start")[0]:
        return FakeReply(content="Both are fine. [[C]]")
    answer_a = text.split("[The Start of Assistant A's Answer]")[1].split("[The End")[0]
    return FakeReply(content="A is better. [[A]]" if "strong" in answer_a else "B wins. [[B]]")


@pytest.fixture()
def provider(monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-test-key")
    with FakeProvider(judge_prefers_strong) as fake:
        yield fake


def label(provider: FakeProvider, data: Path, out: Path, *extra: str) -> int:
    return main(["label", "--judge", "openai/judge", "--data", str(data), "--strong", "openai/strong",
                 "--weak", "openai/weak", "--out", str(out), "--api-base", provider.base_url,
                 "--no-progress", "--num-retries", "0", "--backoff", "0.01", *extra])


def battles(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.read_text().splitlines() if line.strip()]


def write_prompts(path: Path, prompts: list[str]) -> Path:
    path.write_text("\n".join(prompts) + "\n")
    return path


PROMPTS = [f"question number {i}" for i in range(6)] + ["a tie question"]


def test_labels_every_prompt_with_arena_battles(provider: FakeProvider, tmp_path: Path) -> None:
    out = tmp_path / "battles.jsonl"
    assert label(provider, write_prompts(tmp_path / "prompts.txt", PROMPTS), out) == 0
    written = battles(out)
    assert sorted(b["prompt"] for b in written) == sorted(PROMPTS)
    for battle in written:
        assert {battle["model_a"], battle["model_b"]} == {"openai/strong", "openai/weak"}
        expected = "tie" if "tie" in battle["prompt"] else "model_a" if battle["model_a"] == "openai/strong" else "model_b"
        assert battle["winner"] == expected and battle["judge"] == "openai/judge"
    assert {b["model_a"] for b in written} == {"openai/strong", "openai/weak"}  # order alternates
    called = provider.models_called()
    assert called.count("judge") == len(PROMPTS) and called.count("strong") == len(PROMPTS)


def test_published_responses_are_used_instead_of_calling_the_models(provider: FakeProvider, tmp_path: Path) -> None:
    data = tmp_path / "responses.csv"
    with data.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "openai/strong", "openai/weak", "openai/strong_response", "openai/weak_response"])
        writer.writerow(["What is 2+2?", "True", "False", "It is 4, says strong.", "It is 5."])
        writer.writerow(["Name a colour", "True", "True", "Blue (strong)", "Red"])
    out = tmp_path / "battles.jsonl"
    assert label(provider, data, out) == 0
    assert provider.models_called() == ["judge", "judge"]
    assert all(b["winner"] == ("model_a" if b["model_a"] == "openai/strong" else "model_b") for b in battles(out))
    judge_prompt = provider.requests[0].body["messages"][-1]["content"]
    assert "says strong" in judge_prompt or "Blue (strong)" in judge_prompt


def test_reads_jsonl_with_nested_responses(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"prompt": "p1", "responses": {"s": "A1"}}) + "\n"
                    + json.dumps({"prompt": "p2", "w_response": "B2"}) + "\n")
    assert read_label_items(data, ["s", "w"]) == [LabelItem("p1", {"s": "A1"}), LabelItem("p2", {"w": "B2"})]


def test_resumes_where_a_previous_run_stopped(provider: FakeProvider, tmp_path: Path) -> None:
    data = write_prompts(tmp_path / "prompts.txt", PROMPTS)
    out = tmp_path / "battles.jsonl"
    assert label(provider, data, out, "--limit", "3") == 0
    assert len(battles(out)) == 3
    with out.open("a") as handle:  # an interrupted write leaves half a line
        handle.write('{"prompt": "question number 5", "model_a"')
    provider.clear()
    assert label(provider, data, out) == 0
    assert provider.models_called().count("judge") == len(PROMPTS) - 3
    prompts = [b["prompt"] for b in battles_tolerant(out)]
    assert sorted(prompts) == sorted(PROMPTS)
    provider.clear()
    assert label(provider, data, out) == 0
    assert provider.models_called() == []


def battles_tolerant(out: Path) -> list[dict[str, Any]]:
    found = []
    for line in out.read_text().splitlines():
        try:
            found.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return found


def test_rate_limits_are_retried_with_backoff(provider: FakeProvider, tmp_path: Path) -> None:
    provider.fail_next("judge", status=429, times=2, error_message="slow down")
    out = tmp_path / "battles.jsonl"
    assert label(provider, write_prompts(tmp_path / "p.txt", ["only one"]), out, "--rate-limit-retries", "3") == 0
    assert len(battles(out)) == 1
    assert provider.models_called().count("judge") == 3


def test_persistent_failures_are_reported_and_retried_on_rerun(
    provider: FakeProvider, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_prompts(tmp_path / "p.txt", ["only one"])
    out = tmp_path / "battles.jsonl"
    provider.fail_next("judge", status=429, times=5, error_message="quota")
    assert label(provider, data, out, "--rate-limit-retries", "1") == 1
    assert "1 failed" in capsys.readouterr().err
    assert not out.exists() or battles(out) == []
    provider.clear()
    assert label(provider, data, out) == 0
    assert len(battles(out)) == 1


def test_unreadable_verdict_is_a_failure_not_a_battle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-test-key")
    with FakeProvider(lambda body: FakeReply(content="I like both")) as fake:
        out = tmp_path / "battles.jsonl"
        assert label(fake, write_prompts(tmp_path / "p.txt", ["x"]), out) == 1
    assert "no [[A]]/[[B]]/[[C]] verdict" in capsys.readouterr().err
    assert completed_keys(out) == set()


def test_parse_verdict_takes_the_last_verdict() -> None:
    assert parse_verdict("[[A]]") == "model_a"
    assert parse_verdict("not [[A]] but finally [[B]]") == "model_b"
    assert parse_verdict("[[C]]") == "tie"
    assert parse_verdict("A is better") is None
    assert parse_verdict(None) is None


def test_bad_arguments_are_errors(provider: FakeProvider, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert label(provider, tmp_path / "missing.txt", tmp_path / "o.jsonl") == 1
    assert "no such file" in capsys.readouterr().err
    data = write_prompts(tmp_path / "p.txt", ["x"])
    assert label(provider, data, tmp_path / "o.jsonl", "--concurrency", "0") == 1
    assert "concurrency" in capsys.readouterr().err
