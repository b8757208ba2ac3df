"""``routed-llm eval --models``: N-model cost-quality evaluation from the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from routed_llm.cli import main
from routed_llm.evaluation.loaders import load_benchmark
from routed_llm.scorers.multi import KNNQualityPredictor

MODELS = ["big", "mid", "tiny"]
COSTS = {"big": 0.01, "mid": 0.002, "tiny": 0.0005}
# per row: which models are right; "arc" rows need big or mid, "wino" rows are easy
ROWS = [
    ("arc", "hard science question about energy", {"big": 1, "mid": 1, "tiny": 0}),
    ("arc", "hard science question about plants", {"big": 1, "mid": 0, "tiny": 0}),
    ("arc", "hard science question about rocks", {"big": 1, "mid": 1, "tiny": 0}),
    ("arc", "hard science question about stars", {"big": 0, "mid": 1, "tiny": 0}),
    ("wino", "easy blank sentence _ about Ian", {"big": 1, "mid": 1, "tiny": 1}),
    ("wino", "easy blank sentence _ about Kim", {"big": 1, "mid": 0, "tiny": 1}),
    ("wino", "easy blank sentence _ about Lee", {"big": 1, "mid": 1, "tiny": 1}),
    ("wino", "easy blank sentence _ about Bo", {"big": 1, "mid": 1, "tiny": 0}),
]


def write_routerbench(path: Path) -> Path:
    header = ["sample_id", "prompt", "eval_name"]
    for model in MODELS:
        header += [model, f"{model}|model_response", f"{model}|total_cost"]
    header.append("oracle_model_to_route_to")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for index, (task, prompt, right) in enumerate(ROWS):
            row = [f"{task}.{index}", repr([prompt]), task]
            for model in MODELS:
                row += [right[model], "answer", COSTS[model]]
            writer.writerow(row + ["big"])
    return path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_routerbench(tmp_path / "bench.csv")


def test_json_holds_models_routers_aiq_curves_and_cost_to_reach(data: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out.json"
    assert main(["eval", "--data", str(data), "--models", "all", "--router", "zero", "--router", "oracle",
                 "--json", str(out), "--plot", str(tmp_path / "curve.png")]) == 0
    document = json.loads(out.read_text())
    assert document["models"] == {
        "big": {"quality": 0.875, "avg_cost": 0.01},
        "mid": {"quality": 0.75, "avg_cost": 0.002},
        "tiny": {"quality": 0.375, "avg_cost": 0.0005},
    }
    assert document["max_cost"] == pytest.approx(0.01)
    zero = document["routers"]["zero"]
    assert zero["curve"] == [[0.0005, 0.375], [0.002, 0.75], [0.01, 0.875]]
    # zero: trapezoids 0.0005-0.002 and 0.002-0.01, over 0.01
    expected = ((0.375 + 0.75) / 2 * 0.0015 + (0.75 + 0.875) / 2 * 0.008) / 0.01
    assert zero["aiq"] == pytest.approx(expected)
    assert zero["cost_at_quality"] == {"big": pytest.approx(0.01), "mid": pytest.approx(0.002),
                                       "tiny": pytest.approx(0.0005)}
    oracle = document["routers"]["oracle"]
    # every row has a right model; the cheapest right one: mid x4 (rows 0, 2, 3, 7), big x1, tiny x3
    assert oracle["curve"][-1] == [pytest.approx((4 * 0.002 + 0.01 + 3 * 0.0005) / 8), 1.0]
    assert oracle["aiq"] > zero["aiq"]
    assert oracle["cost_at_quality"]["big"] < 0.01
    assert (tmp_path / "curve.png").stat().st_size > 0
    printed = capsys.readouterr().out
    assert "AIQ" in printed and "cost to reach" in printed


def test_by_domain_and_a_subset_of_models(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    assert main(["eval", "--data", str(data), "--models", "big,tiny", "--router", "zero", "--by-domain",
                 "--json", str(out)]) == 0
    document = json.loads(out.read_text())
    assert list(document["models"]) == ["big", "tiny"]
    assert set(document["domains"]) == {"arc", "wino"}
    assert document["domains"]["wino"]["models"]["tiny"]["quality"] == 0.75
    assert document["domains"]["arc"]["n"] == 4


def test_a_saved_n_model_router(data: Path, tmp_path: Path) -> None:
    table = load_benchmark(data)
    KNNQualityPredictor(encoder="hashing", k=2).fit_table(table).save_pretrained(tmp_path / "knn")
    out = tmp_path / "out.json"
    assert main(["eval", "--data", str(data), "--models", "all", "--router", "zero",
                 "--router", str(tmp_path / "knn"), "--json", str(out)]) == 0
    routed = json.loads(out.read_text())["routers"][str(tmp_path / "knn")]
    assert set(routed) == {"aiq", "curve", "cost_at_quality"}
    assert 0 < routed["aiq"] <= 1 and all(len(point) == 2 for point in routed["curve"])


def test_prices_file_for_data_without_costs(tmp_path: Path) -> None:
    data = tmp_path / "routerdc.json"
    data.write_text(json.dumps([
        {"question": "q1", "scores": {"a": 1.0, "b": 0.0}},
        {"question": "q2", "scores": {"a": 1.0, "b": 1.0}},
    ]))
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"a": 0.004, "b": 0.001}))
    out = tmp_path / "out.json"
    assert main(["eval", "--data", str(data), "--models", "all", "--prices", str(prices),
                 "--router", "zero", "--router", "oracle", "--json", str(out)]) == 0
    document = json.loads(out.read_text())
    assert document["models"] == {"a": {"quality": 1.0, "avg_cost": 0.004}, "b": {"quality": 0.5, "avg_cost": 0.001}}
    assert document["routers"]["oracle"]["curve"][-1] == [pytest.approx(0.0025), 1.0]
    assert main(["eval", "--data", str(data), "--models", "all"]) == 1  # no costs, no prices


def test_errors_name_the_option(data: Path, tmp_path: Path, capsys) -> None:
    assert main(["eval", "--data", str(data), "--models", "all", "--strong", "big"]) == 1
    assert main(["eval", "--data", str(data), "--models", "all", "--router", "random"]) == 1
    assert main(["eval", "--data", str(data), "--models", "big,gpt-9"]) == 1
    assert main(["eval", "--data", str(data), "--models", "big"]) == 1
    assert main(["eval", "--data", str(data), "--models", "all", "--router", "bert"]) == 1
    assert main(["eval", "--data", str(data)]) == 1
    bad = tmp_path / "prices.json"
    bad.write_text(json.dumps({"big": -1}))
    assert main(["eval", "--data", str(data), "--models", "all", "--prices", str(bad)]) == 1
    errors = capsys.readouterr().err
    for option in ("--models", "--router", "'gpt-9' is not in", "--strong", "--prices"):
        assert option in errors


@pytest.mark.shared_data
def test_routerbench_file_zero_and_oracle(shared_data: Path, tmp_path: Path) -> None:
    data = shared_data / "routerbench" / "mbpp_train.csv"
    if not data.is_file():
        pytest.skip(f"{data} is absent (RouterBench training files not available)")
    out = tmp_path / "mbpp.json"
    assert main(["eval", "--data", str(data), "--models", "all", "--router", "zero", "--router", "oracle",
                 "--json", str(out)]) == 0
    document = json.loads(out.read_text())
    assert len(document["models"]) == 11
    gpt4 = document["models"]["gpt-4-1106-preview"]
    assert document["routers"]["zero"]["cost_at_quality"]["gpt-4-1106-preview"] == pytest.approx(gpt4["avg_cost"])
    assert document["routers"]["oracle"]["aiq"] > document["routers"]["zero"]["aiq"]
    assert np.isclose(document["max_cost"], max(row["avg_cost"] for row in document["models"].values()))
