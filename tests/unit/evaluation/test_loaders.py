"""Every loader on small files written here, in the published layouts, and their errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from routed_llm.errors import ConfigurationError, DataError
from routed_llm.evaluation import detect_format, load_benchmark


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


ROUTELLM_HEADER = "prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview\n"


# --- RouteLLM CSVs ---------------------------------------------------------------------


def test_routellm_file_reads_correctness_and_ignores_responses(tmp_path: Path) -> None:
    path = write(
        tmp_path / "gsm8k_responses.csv",
        "prompt,weak,strong,weak_response,strong_response\n"
        '"Two\nlines",True,True,"a, b",x\n'
        "plain,False,True,c,d\n",
    )
    table = load_benchmark(path)
    assert list(table.models) == ["weak", "strong"]
    assert list(table.prompts) == ["Two\nlines", "plain"]
    np.testing.assert_array_equal(table.quality, [[1, 1], [0, 1]])
    assert table.costs is None and table.domains is None and table.skipped == 0
    assert table.source == str(path)


def test_routellm_directory_takes_the_subject_as_domain(tmp_path: Path) -> None:
    write(tmp_path / "mmlu" / "mmlu_anatomy.csv", ROUTELLM_HEADER + "q1,True,False\nq2,False,True\n")
    write(tmp_path / "mmlu" / "mmlu_college_physics.csv", ROUTELLM_HEADER + "q3,True,True\n")
    table = load_benchmark(tmp_path / "mmlu", format="routellm")
    assert list(table.domains or []) == ["anatomy", "anatomy", "college_physics"]
    np.testing.assert_array_equal(table.column("gpt-4-1106-preview"), [0, 1, 1])


def test_routellm_row_with_a_missing_value_is_skipped_and_counted(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", ROUTELLM_HEADER + "q1,True,\nq2,False,True\n")
    table = load_benchmark(path)
    assert (len(table), table.skipped) == (1, 1)


def test_routellm_bad_cell_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", ROUTELLM_HEADER + '"multi\nline",True,True\nq2,maybe,True\n')
    with pytest.raises(DataError) as caught:
        load_benchmark(path)
    assert caught.value.line == 4 and caught.value.path == str(path)
    assert "'maybe' is neither True nor False" in str(caught.value)
    assert str(caught.value).startswith(f"{path}:4: column 'mistralai/Mixtral-8x7B-Instruct-v0.1'")


def test_routellm_ragged_row_and_missing_prompt_column(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"d\.csv:3: 2 fields where the header has 3"):
        load_benchmark(write(tmp_path / "d.csv", ROUTELLM_HEADER + "q1,True,True\nq2,True\n"))
    with pytest.raises(DataError, match=r"e\.csv:1: no 'prompt' column"):
        load_benchmark(write(tmp_path / "e.csv", "text,a,b\nq,True,True\n"), format="routellm")


def test_routellm_directory_with_different_models_fails(tmp_path: Path) -> None:
    write(tmp_path / "m" / "m_a.csv", "prompt,a,b\nq,True,True\n")
    write(tmp_path / "m" / "m_b.csv", "prompt,a,c\nq,True,True\n")
    with pytest.raises(DataError, match="m_b.csv:1: models a, c differ"):
        load_benchmark(tmp_path / "m")


# --- MT-Bench --------------------------------------------------------------------------


def mtbench_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "mt_bench"
    questions = [
        {"question_id": 81, "category": "writing", "turns": ["Write a poem.", "Now shorter."]},
        {"question_id": 82, "category": "math", "turns": ["2+2?", "Times 3?"]},
        {"question_id": 83, "category": "math", "turns": ["Unjudged for weak", "x"]},
    ]
    judgements = [
        {"question_id": 81, "model": "strong", "score": 9, "turn": 1},
        {"question_id": 81, "model": "strong", "score": 7, "turn": 2},
        {"question_id": 81, "model": "weak", "score": 4, "turn": 1},
        {"question_id": 81, "model": "weak", "score": -1, "turn": 2},  # judge gave no rating
        {"question_id": 82, "model": "strong", "score": 10, "turn": 1},
        {"question_id": 82, "model": "weak", "score": 6, "turn": 1},
        {"question_id": 82, "model": "weak", "score": 8, "turn": 2},
        {"question_id": 83, "model": "strong", "score": 5, "turn": 1},
        {"question_id": 99, "model": "strong", "score": 1, "turn": 1},  # not a listed question
    ]
    write(directory / "question.jsonl", "\n".join(json.dumps(q) for q in questions) + "\n")
    write(directory / "judgements.jsonl", "\n".join(json.dumps(j) for j in judgements) + "\n")
    return directory


def test_mtbench_routes_on_the_first_turn_and_averages_the_turns(tmp_path: Path) -> None:
    directory = mtbench_dir(tmp_path)
    assert detect_format(directory) == "mtbench"
    table = load_benchmark(directory)
    assert list(table.prompts) == ["Write a poem.", "2+2?"]
    assert list(table.ids or []) == ["81", "82"] and list(table.domains or []) == ["writing", "math"]
    np.testing.assert_allclose(table.column("strong"), [8.0, 10.0])
    np.testing.assert_allclose(table.column("weak"), [4.0, 7.0])
    assert table.skipped == 1  # question 83 has no judgement of the weak model
    assert len(load_benchmark(directory / "judgements.jsonl")) == 2


def test_mtbench_bad_judgement_line_is_named(tmp_path: Path) -> None:
    directory = mtbench_dir(tmp_path)
    with (directory / "judgements.jsonl").open("a") as handle:
        handle.write('{"question_id": 81, "model": "weak", "score": "high"}\n')
    with pytest.raises(DataError, match=r"judgements\.jsonl:10: score: 'high' is not a number"):
        load_benchmark(directory)
    (directory / "question.jsonl").write_text('{"question_id": 1, "turns": []}\n')
    with pytest.raises(DataError, match=r"question\.jsonl:1: 'turns' must be a non-empty list"):
        load_benchmark(directory, format="mtbench")


# --- RouterBench -----------------------------------------------------------------------


def routerbench_csv(path: Path, rows: list[list[str]]) -> Path:
    header = ["", "sample_id", "prompt", "eval_name", "m1", "m2", "m1|model_response", "m2|model_response",
              "m1|total_cost", "m2|total_cost", "oracle_model_to_route_to"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return write(path, buffer.getvalue())


def test_routerbench_parses_the_prompt_literal_costs_and_task(tmp_path: Path) -> None:
    path = routerbench_csv(tmp_path / "arc_train.csv", [
        ["0", "arc.1", "['Question one?']", "arc-challenge", "1.0", "0.0", "['A']", "['B']", "0.01", "0.001", "m1"],
        ["1", "arc.2", "['Turn 1', \"Turn '2'\"]", "arc-challenge", "0.5", "1.0", "x", "y", "0.02", "0.002", "m2"],
        ["2", "arc.3", "['gap']", "arc-challenge", "1.0", "", "x", "y", "0.02", "0.002", "m1"],
        ["3", "arc.4", "['no cost']", "arc-challenge", "1.0", "1.0", "x", "y", "0.02", "", "m1"],
    ])
    assert detect_format(path) == "routerbench"
    table = load_benchmark(path)
    assert list(table.models) == ["m1", "m2"]
    assert list(table.prompts) == ["Question one?", "Turn 1\n\nTurn '2'"]
    np.testing.assert_allclose(table.quality, [[1.0, 0.0], [0.5, 1.0]])
    assert table.costs is not None
    np.testing.assert_allclose(table.costs, [[0.01, 0.001], [0.02, 0.002]])
    assert list(table.domains or []) == ["arc-challenge"] * 2 and list(table.ids or []) == ["arc.1", "arc.2"]
    assert table.skipped == 2


def test_routerbench_bad_prompt_literal_and_cost(tmp_path: Path) -> None:
    bad_prompt = routerbench_csv(tmp_path / "a.csv", [
        ["0", "s", "['ok']", "t", "1", "1", "", "", "0.1", "0.1", ""],
        ["1", "s", "['unterminated", "t", "1", "1", "", "", "0.1", "0.1", ""],
    ])
    with pytest.raises(DataError, match=r"a\.csv:3: column 'prompt': not a Python list literal"):
        load_benchmark(bad_prompt)
    bad_cost = routerbench_csv(tmp_path / "b.csv", [["0", "s", "['ok']", "t", "1", "1", "", "", "cheap", "0.1", ""]])
    with pytest.raises(DataError, match=r"b\.csv:2: column 'm1\|total_cost': 'cheap' is not a number"):
        load_benchmark(bad_cost)


# --- RouterDC --------------------------------------------------------------------------


def test_routerdc_file_and_directory(tmp_path: Path) -> None:
    items = [
        {"question": "Q1", "scores": {"a": 0, "b": 0.75}, "cluster_id": 1},
        {"question": "Q2", "scores": {"a": 1, "b": 0.5}},
        {"question": "Q3", "scores": {"a": 1}},
    ]
    path = write(tmp_path / "dc" / "mmlu_train.json", json.dumps(items, indent=2))
    write(tmp_path / "dc" / "gsm8k-train.json", json.dumps([{"question": "Q4", "scores": {"a": 0, "b": 1}}]))
    table = load_benchmark(path)
    assert list(table.prompts) == ["Q1", "Q2"] and table.skipped == 1 and table.costs is None
    np.testing.assert_allclose(table.quality, [[0, 0.75], [1, 0.5]])
    both = load_benchmark(tmp_path / "dc")
    assert list(both.domains or []) == ["gsm8k", "mmlu", "mmlu"] and both.skipped == 1


def test_routerdc_bad_item_is_reported_at_its_line(tmp_path: Path) -> None:
    text = '[\n  {"question": "ok", "scores": {"a": 1}},\n  {"question": 3,\n   "scores": {"a": 1}}\n]'
    with pytest.raises(DataError, match=r"bad\.json:3: 'question' is missing or not a string"):
        load_benchmark(write(tmp_path / "bad.json", text))
    with pytest.raises(DataError, match=r"broken\.json:2: invalid JSON"):
        load_benchmark(write(tmp_path / "broken.json", '[\n {"question": }\n]'))
    with pytest.raises(DataError, match=r"obj\.json:1: expected a JSON list"):
        load_benchmark(write(tmp_path / "obj.json", '{"question": "q"}'))


# --- our own JSONL ---------------------------------------------------------------------


def test_jsonl_reads_scores_costs_domains_and_ids(tmp_path: Path) -> None:
    lines = [
        {"prompt": "p1", "scores": {"big": 1, "small": 0}, "costs": {"big": 0.01, "small": 0.001},
         "domain": "math", "id": "a"},
        {"prompt": "p2", "scores": {"big": 0.8, "small": 0.9}, "costs": {"big": 0.02, "small": 0.002},
         "domain": "chat", "id": "b"},
        {"prompt": "p3", "scores": {"big": 1, "small": None}, "costs": {"big": 0.02, "small": 0.002}},
        {"prompt": "p4", "scores": {"big": 1, "small": 1}},
    ]
    path = write(tmp_path / "mine.jsonl", "\n".join(json.dumps(line) for line in lines) + "\n\n")
    table = load_benchmark(path)
    assert list(table.prompts) == ["p1", "p2"] and table.skipped == 2
    assert table.costs is not None
    np.testing.assert_allclose(table.cost_column("small"), [0.001, 0.002])
    assert list(table.domains or []) == ["math", "chat"] and list(table.ids or []) == ["a", "b"]


def test_jsonl_errors_name_the_line(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"x\.jsonl:2: invalid JSON"):
        load_benchmark(write(tmp_path / "x.jsonl", '{"prompt": "p", "scores": {"a": 1}}\n{oops\n'))
    with pytest.raises(DataError, match=r"y\.jsonl:1: 'scores' is missing"):
        load_benchmark(write(tmp_path / "y.jsonl", '{"prompt": "p"}\n'))
    with pytest.raises(DataError, match=r"z\.jsonl: no usable rows: 1 skipped"):
        load_benchmark(write(tmp_path / "z.jsonl", '{"prompt": "p", "scores": {"a": 1, "b": null}}\n'))


# --- detection and arguments -----------------------------------------------------------


def test_detection_and_argument_errors(tmp_path: Path) -> None:
    assert detect_format(write(tmp_path / "r.csv", ROUTELLM_HEADER)) == "routellm"
    assert detect_format(write(tmp_path / "data.txt", '{"prompt": "p"}')) == "jsonl"
    assert detect_format(write(tmp_path / "list.txt", '[{"question": "q"}]')) == "routerdc"
    with pytest.raises(DataError, match="cannot tell the format"):
        detect_format(write(tmp_path / "notes.txt", "hello"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="cannot tell the format"):
        load_benchmark(tmp_path / "empty")
    with pytest.raises(DataError, match="no such file"):
        load_benchmark(tmp_path / "absent.csv")
    with pytest.raises(ConfigurationError, match="format"):
        load_benchmark(tmp_path / "r.csv", format="parquet")
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"prompt,a,b\nq,True,True\n\xff\xfe,True,True\n")
    with pytest.raises(DataError, match=r"bin\.csv:3: not UTF-8 text"):
        load_benchmark(binary)
