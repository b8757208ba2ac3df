"""The loaders on the published files in ../shared/data (skipped when the folder is absent)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from routed_llm.evaluation import detect_format, load_benchmark

pytestmark = pytest.mark.shared_data

STRONG = "gpt-4-1106-preview"
WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"


def csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_routellm_mmlu_directory(shared_data: Path) -> None:
    directory = shared_data / "routellm" / "mmlu"
    table = load_benchmark(directory)
    files = sorted(directory.glob("*.csv"))
    assert detect_format(directory) == "routellm"
    assert len(table) + table.skipped == sum(csv_rows(file) for file in files)
    assert set(table.models) == {STRONG, WEAK}
    assert len(set(table.domains or [])) == len(files) == 57
    assert "anatomy" in set(table.domains or [])
    assert set(np.unique(table.quality)) <= {0.0, 1.0}


def test_routellm_gsm8k_file(shared_data: Path) -> None:
    path = shared_data / "routellm" / "gsm8k" / "gsm8k_responses.csv"
    table = load_benchmark(path)
    assert len(table) + table.skipped == csv_rows(path)
    assert set(table.models) == {STRONG, WEAK}
    assert table.column(STRONG).mean() > table.column(WEAK).mean()


def test_routerbench_files(shared_data: Path) -> None:
    for path in sorted((shared_data / "routerbench").glob("*.csv")):
        table = load_benchmark(path)
        assert detect_format(path) == "routerbench"
        assert len(table) + table.skipped == csv_rows(path)
        assert len(table.models) == 11 and STRONG in table.models
        assert table.costs is not None and np.all(table.costs >= 0)
        assert table.domains is not None and len(set(table.domains)) == 1
        assert all(isinstance(prompt, str) and not prompt.startswith("['") for prompt in table.prompts)


def test_routerdc_files(shared_data: Path) -> None:
    for path in sorted((shared_data / "routerdc").glob("*.json")):
        table = load_benchmark(path)
        assert detect_format(path) == "routerdc"
        assert len(table) + table.skipped == len(json.loads(path.read_text(encoding="utf-8")))
        assert len(table.models) == 7 and table.costs is None
        assert np.all((table.quality >= 0) & (table.quality <= 1))
