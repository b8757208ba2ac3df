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
    result = run("route", "--threshold", "1.01", stdin="first\n\nsecond\n")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2 and result.stdout.startswith("weak")


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
