"""Battle labels (arena files and golden labels), the hold-out split and the trainer registry."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from routed_llm.data.battles import battle_classes, concat_battles, golden_battles, read_battles, strong_gains
from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import ConfigurationError, DataError
from routed_llm.training.split import holdout_mask
from routed_llm.training.trainers import TrainingRequest, available_trainers, train_scorer

ARENA = [
    {"prompt": "p1", "model_a": "gpt", "model_b": "mix", "winner": "model_a"},
    {"prompt": "p1", "model_a": "mix", "model_b": "gpt", "winner": "model_a"},
    {"prompt": "p2", "model_a": "mix", "model_b": "gpt", "winner": "model_b"},
    {"prompt": "p3", "model_a": "gpt", "model_b": "mix", "winner": "tie (bothbad)"},
    {"prompt": "p4", "model_a": "gpt", "model_b": "llama", "winner": "model_a"},
]


def test_golden_labels_follow_routellm() -> None:
    quality = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], dtype=float)
    table = BenchmarkTable(prompts=["a", "b", "c", "d"], models=["s", "w"], quality=quality)
    battles = golden_battles(table, "s", "w")
    np.testing.assert_array_equal(battles.outcome, [1.0, 0.0, 0.5, 0.5])
    gains, fought = strong_gains(battles, "s", "w")
    np.testing.assert_array_equal(gains, [1, -1, 0, 0])
    assert fought.all()


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv"])
def test_arena_files_in_every_format(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"battles{suffix}"
    if suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(row) for row in ARENA) + "\n")
    elif suffix == ".json":
        path.write_text(json.dumps(ARENA))
    else:
        path.write_text("prompt,model_a,model_b,winner\n" + "".join(
            f"{r['prompt']},{r['model_a']},{r['model_b']},{r['winner']}\n" for r in ARENA))
    battles = read_battles(path)
    assert battles.prompts == ["p1", "p2", "p3", "p4"]
    assert battles.models == ["gpt", "mix", "llama"]
    gains, fought = strong_gains(battles, "gpt", "mix")
    np.testing.assert_array_equal(gains, [0.0, 1.0, 0.0, 0.0])  # p1: one win each way
    np.testing.assert_array_equal(fought, [True, True, True, False])


def test_a_bad_winner_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps(ARENA[0]) + "\n" + json.dumps({**ARENA[0], "winner": "gpt"}) + "\n")
    with pytest.raises(DataError, match=r"b\.jsonl:2: winner 'gpt'"):
        read_battles(path)
    path.write_text(json.dumps({"prompt": "x", "model_a": "a"}) + "\n")
    with pytest.raises(DataError, match="model_b"):
        read_battles(path)


def test_select_and_concat_keep_battles_consistent(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps(ARENA))
    battles = read_battles(path)
    kept = battles.select_prompts(np.array([False, True, True, True]))
    assert kept.prompts == ["p2", "p3", "p4"] and len(kept) == 3
    merged = concat_battles([kept, golden_battles(
        BenchmarkTable(prompts=["q"], models=["gpt", "mix"], quality=np.array([[1.0, 0.0]])), "gpt", "mix")])
    assert merged.models == ["gpt", "mix", "llama"]
    gains, fought = strong_gains(merged, "gpt", "mix")
    np.testing.assert_array_equal(gains, [1.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(fought, [True, True, False, True])


def test_holdout_is_stratified_seeded_and_order_free() -> None:
    groups = ["a"] * 40 + ["b"] * 8
    mask = holdout_mask(groups, 0.25, seed=1)
    assert mask[:40].sum() == 10 and mask[40:].sum() == 2
    np.testing.assert_array_equal(mask, holdout_mask(groups, 0.25, seed=1))
    assert not np.array_equal(mask, holdout_mask(groups, 0.25, seed=2))
    with pytest.raises(ConfigurationError, match="holdout"):
        holdout_mask(groups, 1.0, seed=0)


def test_trainer_registry(tiny_bert: Path) -> None:
    assert available_trainers() == ["bert", "causal_llm", "hybrid", "lexical", "mf", "sw", "token_embedding"]
    table = BenchmarkTable(prompts=["prove it", "hi"] * 4, models=["s", "w"],
                           quality=np.array([[1.0, 0.0], [1.0, 1.0]] * 4))
    request = TrainingRequest(battles=golden_battles(table, "s", "w"), strong="s", weak="w",
                              options={"n_features": 64})
    assert train_scorer("lexical", request).score(["prove it"])[0] > 0.5
    with pytest.raises(ConfigurationError, match="no trainer for 'nope'"):
        train_scorer("nope", request)
    tiny = TrainingRequest(battles=request.battles, strong="s", weak="w", encoder=str(tiny_bert),
                           options={"max_tokens": 32, "head_tokens": 8, "alpha": 0.1, "calibration_folds": 2})
    embedded = train_scorer("token_embedding", tiny)
    assert embedded.score(["prove it"])[0] > embedded.score(["hi"])[0]
    with pytest.raises(ConfigurationError, match="--option"):
        train_scorer("lexical", TrainingRequest(battles=request.battles, strong="s", weak="w", options={"bogus": 1}))


def test_a_training_request_is_made_from_battles_or_from_tables() -> None:
    tables = [
        BenchmarkTable(prompts=["prove it", "hi"], models=["s", "w"], quality=np.array([[1.0, 0.0], [1.0, 1.0]]),
                       domains=["math", "chat"]),
        BenchmarkTable(prompts=["derive it"], models=["w", "s"], quality=np.array([[0.0, 1.0]])),
    ]
    request = TrainingRequest.from_tables(tables, strong="s", weak="w", seed=3)
    assert list(request.battles.prompts) == ["prove it", "hi", "derive it"]
    assert request.battles.outcome.tolist() == [1.0, 0.5, 1.0]
    assert request.tables == tuple(tables) and request.seed == 3
    gains, fought = strong_gains(request.battles, "s", "w")
    assert gains.tolist() == [1.0, 0.0, 1.0] and fought.all()
    with pytest.raises(ConfigurationError, match="data"):
        TrainingRequest.from_tables([], strong="s", weak="w")


def test_battle_classes_follow_the_sign_of_the_gain() -> None:
    assert battle_classes(np.array([1.0, 0.5, 0.0, -0.25, -1.0])) == ["strong", "strong", "tie", "weak", "weak"]
    assert battle_classes([]) == []


def test_the_documented_training_labels_path_still_imports() -> None:
    from routed_llm.data import battles
    from routed_llm.training import labels

    assert labels.golden_battles is battles.golden_battles and labels.Battles is battles.Battles
