"""The installed ``routed-llm`` command, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from routed_llm.cli import main

CLI = [sys.executable, "-m", "routed_llm"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120)


def test_help_explains_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "route" in result.stdout and "calibrate" in result.stdout and "strong" in result.stdout


def test_route_arguments_and_json() -> None:
    result = run("route", "hello", "prove it", "--threshold", "0", "--strong", "big", "--weak", "small", "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["prompt"] for line in lines] == ["hello", "prove it"]
    assert all(line["model"] == "big" and line["role"] == "strong" for line in lines)


def test_route_reads_stdin_lines() -> None:
    result = run("route", "--threshold", "1", stdin="first\n\nsecond\n")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2 and result.stdout.startswith("weak")


@pytest.mark.parametrize("value", ["1.5", "-0.1", "nan"])
def test_route_refuses_a_threshold_outside_zero_to_one(value: str) -> None:
    """Issue 24: the CLI applies the one range rule the client and the adapters apply."""
    result = run("route", "hello", "--threshold", value, "--router", "random")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "threshold: must be a number between 0 and 1" in result.stderr


def test_calibrate_from_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("\n".join(f"prompt number {i}" for i in range(1000)))
    assert main(["calibrate", "--prompts", str(prompts), "--strong-share", "0.3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 1000 and abs(out["achieved_share"] - 0.3) < 0.002


def test_errors_are_one_line_not_tracebacks(tmp_path: Path) -> None:
    result = run("route", "x", "--router", "no-such-router")
    assert result.returncode == 1
    assert "unknown router 'no-such-router'" in result.stderr and "Traceback" not in result.stderr
    result = run("calibrate", "--prompts", str(tmp_path / "missing.txt"), "--strong-share", "0.5")
    assert result.returncode == 1 and "--prompts" in result.stderr


def test_route_without_model_names_prints_the_role_once() -> None:
    result = run("route", "hello there", "--threshold", "0.99")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["weak", "score=" + result.stdout.split("score=")[1].split()[0]]
    named = run("route", "hello there", "--threshold", "0.99", "--strong", "big", "--weak", "small")
    assert named.stdout.split()[:2] == ["weak", "small"]


def test_calibrate_reads_the_prompt_of_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prompts = [f"question {i}: {'prove the lemma ' * (i % 7)}what is {i} squared?" for i in range(200)]
    text = tmp_path / "prompts.txt"
    text.write_text("\n".join(prompts) + "\n")
    lines = tmp_path / "prompts.jsonl"
    lines.write_text("".join(json.dumps({"prompt": p, "id": i}) + "\n" if i % 2 else
                             json.dumps({"messages": [{"role": "system", "content": "be brief"},
                                                      {"role": "user", "content": p}]}) + "\n"
                             for i, p in enumerate(prompts)))
    assert main(["calibrate", "--prompts", str(text), "--strong-share", "0.3", "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    assert main(["calibrate", "--prompts", str(lines), "--strong-share", "0.3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == expected
    (tmp_path / "bad.jsonl").write_text('{"text": "no prompt here"}\n')
    assert main(["calibrate", "--prompts", str(tmp_path / "bad.jsonl"), "--strong-share", "0.3"]) == 1
    assert "bad.jsonl:1: expected an object with a 'prompt' string or 'messages'" in capsys.readouterr().err


def test_a_provider_error_is_printed_once() -> None:
    script = (
        "import sys\n"
        "from routed_llm import ProviderError, RoutedClient\n"
        "from routed_llm.testing import FakeProvider, FakeScorer\n"
        "with FakeProvider() as fake:\n"
        "    fake.fail_next('small', status=500, times=5)\n"
        "    client = RoutedClient('openai/big', 'openai/small', scorer=FakeScorer(default=0.1), api_base=fake.base_url,\n"
        "                          api_key='sk-test', num_retries=0)\n"
        "    try:\n"
        "        client.complete('hello')\n"
        "    except ProviderError as error:\n"
        "        print(f'error: {error}', file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    assert result.returncode == 0
    mentions = [line for line in result.stderr.splitlines() if "openai/small" in line]
    assert len(mentions) == 1 and mentions[0].startswith("error: "), result.stderr
