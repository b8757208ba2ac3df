"""Loading per-prompt responses in their published formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from routed_llm.errors import DataError
from routed_llm.evaluation.loaders.responses import load_gsm8k_responses, load_routerbench_responses

ROUTERBENCH = (
    'sample_id,prompt,eval_name,big,big|model_response,big|total_cost,small,small|model_response,small|total_cost\n'
    'arc.1,"[\'Q?\\nA) x\\nB) y\']",arc-challenge,1.0,"[\'B\']",0.005,0.0,"[\'A\\n\']",0.0003\n'
    'arc.2,"[\'R?\']",arc-challenge,,"[\'\']",,1.0,"[\'fine\']",\n'
)


def test_routerbench_rows_keep_each_models_response_score_and_cost(tmp_path: Path) -> None:
    path = tmp_path / "arc_train.csv"
    path.write_text(ROUTERBENCH)
    first, second = load_routerbench_responses(path)
    assert (first.source, first.row_id, first.prompt) == ("arc-challenge", "arc.1", "Q?\nA) x\nB) y")
    assert first.responses == {"big": "B", "small": "A\n"}
    assert first.scores == {"big": 1.0, "small": 0.0} and first.costs == {"big": 0.005, "small": 0.0003}
    assert second.responses == {"small": "fine"} and second.costs == {}  # gaps stay gaps


def test_a_file_without_responses_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "scores_only.csv"
    path.write_text("prompt,big,big|total_cost\nhi,1.0,0.1\n")
    with pytest.raises(DataError, match="scores_only.csv.*model_response"):
        load_routerbench_responses(path)
    path.write_text("prompt,big,big|total_cost,big|model_response\nhi,1.0,0.1,\"['unclosed'\"\n")
    with pytest.raises(DataError, match=r"scores_only.csv:2: .*not a Python list literal"):
        load_routerbench_responses(path)


def test_gsm8k_rows_keep_worked_answers_and_correctness(tmp_path: Path) -> None:
    path = tmp_path / "gsm8k_responses.csv"
    path.write_text('prompt,weak,strong,weak_response,strong_response\n"2+2?",False,True,"#### 5","#### 4"\n')
    (record,) = load_gsm8k_responses(path)
    assert record.source == "gsm8k" and record.scores == {"weak": 0.0, "strong": 1.0}
    assert record.responses == {"weak": "#### 5", "strong": "#### 4"} and record.costs == {}
    path.write_text("prompt,weak\nq,True\n")
    with pytest.raises(DataError, match="carries no responses"):
        load_gsm8k_responses(path)
