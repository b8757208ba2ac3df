"""Final-answer extraction and comparison, on hand-written replies and on what models wrote."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from routed_llm.verifiers import extract_answer, prompt_options, similarity
from routed_llm.verifiers.answers import follows_letter_format

ARC = (
    "Which example best illustrates an action-at-a-distance force?\nA) a car moving along a flat surface\n"
    "B) pulling a nail out of wood\nC) lifting a box\nD) an apple falling\n"
    'Print only a single choice  from "A" or "B" or "C" or "D" without explanation.\nAnswer:'
)
FEW_SHOT_WINOGRANDE = (
    "Kyle moved to a cold place, Logan did not. _ is likely to live in a colder climate.\nA) Kyle\nB) Logan\n"
    'Print only a single choice  from "A" or "B" without explanation. Answer:\nA\n\n'
    "Steven was disappointed as Robert asked him if he had any herb.  _ was a stoner.\nA) Steven\nB) Robert\n"
    'Print only a single choice  from "A" or "B" without explanation. Answer:'
)
GSM8K = "A robe takes 2 bolts of blue fiber and half that much white fiber. How many bolts in total does it take?"


def _choice(reply: str, prompt: str = ARC) -> str | None:
    answer = extract_answer(reply, prompt)
    assert answer is None or answer.kind == "choice"
    return None if answer is None else answer.value


@pytest.mark.parametrize(("reply", "letter"), [
    ("A", "A"), ("D\n", "D"), ("The answer is B.", "B"), ("B) pulling a nail", "B"), ("(c)", "C"),
    ("**Answer: D**", "D"), ("Answer: (b)", "B"), ("I think the correct option is C, because ...", "C"),
    ("an apple falling", "D"), ("d.", "D"),
])
def test_option_letters_as_models_write_them(reply: str, letter: str) -> None:
    assert _choice(reply) == letter


@pytest.mark.parametrize("reply", ["A car is not the answer here, nor a box.", "", "I don't know", "E",
                                   "The answer is a box lifted off the floor"])
def test_no_option_is_read_into_replies_that_name_none(reply: str) -> None:
    assert _choice(reply) is None


def test_few_shot_prompts_offer_their_last_questions_options() -> None:
    assert prompt_options(FEW_SHOT_WINOGRANDE) == {"A": "Steven", "B": "Robert"}
    assert _choice("Robert", FEW_SHOT_WINOGRANDE) == "B"
    assert _choice("Rober", FEW_SHOT_WINOGRANDE) == "B"  # a reply cut short
    assert _choice("option 1", FEW_SHOT_WINOGRANDE) == "A"
    assert _choice("Steven was the stoner.", FEW_SHOT_WINOGRANDE) == "A"


def test_a_reply_breaking_the_letter_only_format_is_told_apart() -> None:
    assert follows_letter_format("B\n", FEW_SHOT_WINOGRANDE)
    assert follows_letter_format("**(b)**", FEW_SHOT_WINOGRANDE)
    assert not follows_letter_format("Robert", FEW_SHOT_WINOGRANDE)
    assert follows_letter_format("Robert, since he asked for herb", "Who?\nA) Steven\nB) Robert\nAnswer:")
    assert follows_letter_format("anything", GSM8K)


@pytest.mark.parametrize(("reply", "number"), [
    ("2 + 1 = 3 bolts.\n#### 3", 3.0), ("So it takes 3 bolts. The answer is 3.", 3.0),
    ("It costs $1,234.50 in all.", 1234.5), ("#### Each child receives 9 eggs.", 9.0),
    ("He is now 90 - 144 = -54 miles from home.\n#### -54", -54.0), ("The total is \\boxed{42}.", 42.0),
    ("The answer is 3 bolts, not 2.5 as one might think", 3.0),
])
def test_numbers_at_the_end_of_worked_solutions(reply: str, number: float) -> None:
    answer = extract_answer(reply, GSM8K)
    assert answer is not None and answer.kind == "number" and answer.value == number


def test_code_is_compared_without_comments_docstrings_or_layout() -> None:
    first = extract_answer("Here:\n```python\ndef add(a, b):\n    '''Add.'''\n    return a + b  # sum\n```", "Write add")
    second = extract_answer("```python\ndef add(a,b):\n  return a+b\n```\nThis adds.", "Write add")
    other = extract_answer("```python\ndef add(a, b):\n    return sum([a, b, 0])\n```", "Write add")
    assert first is not None and first.kind == "code"
    assert similarity(first, second) == 1.0
    assert 0.0 < similarity(first, other) < 1.0  # type: ignore[operator]


def test_json_is_compared_as_parsed_values() -> None:
    first = extract_answer('{"city": "Paris", "population": 2}', "Give JSON")
    second = extract_answer('```json\n{"population": 2, "city": "Paris"}\n```', "Give JSON")
    third = extract_answer('{"city": "Lyon", "population": 2}', "Give JSON")
    assert first is not None and first.kind == "json"
    assert similarity(first, second) == 1.0 and similarity(first, third) == 0.0


def test_tool_calls_are_compared_on_name_and_parsed_arguments() -> None:
    def call(name: str, arguments: dict[str, object]) -> dict[str, object]:
        return {"id": "x", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}

    first = extract_answer(None, "weather?", tool_calls=[call("weather", {"city": "Oslo", "unit": "C"})])
    same = extract_answer("", "weather?", tool_calls=[call("weather", {"unit": "C", "city": "Oslo"})])
    other = extract_answer(None, "weather?", tool_calls=[call("weather", {"city": "Bergen", "unit": "C"})])
    assert first is not None and first.kind == "tool_calls"
    assert similarity(first, same) == 1.0 and similarity(first, other) == 0.0


def test_short_text_is_normalised_and_free_text_needs_an_embedder() -> None:
    assert similarity(extract_answer("Paris.", "Capital of France?"), extract_answer("paris", "Capital?")) == 1.0
    essay = extract_answer("Paris is the capital of France and has been for a very long time indeed.", "Capital?")
    assert essay is not None and essay.kind == "free_text"
    assert similarity(essay, extract_answer("Paris", "Capital?")) is None

    def embed(texts: list[str]) -> np.ndarray:
        return np.array([[1.0, 0.0] if "paris" in text.lower() else [0.0, 1.0] for text in texts])

    assert similarity(essay, extract_answer("Paris", "Capital?"), embed) == 1.0
    assert similarity(essay, extract_answer("Lyon", "Capital?"), embed) == 0.0


def test_different_kinds_or_nothing_cannot_be_compared() -> None:
    assert extract_answer("   ", ARC) is None
    assert similarity(extract_answer("3", GSM8K), extract_answer("```python\nx = 1\n```", GSM8K)) is None
    assert similarity(None, extract_answer("3", GSM8K)) is None


def test_extraction_agrees_with_routerbench_grading(shared_data: Path) -> None:
    """Where GPT-4 was right its letter is the key: another model's extracted letter matches it
    exactly when RouterBench graded that model right (bar a few graded replies cut short)."""
    from routed_llm.evaluation.loaders.responses import load_routerbench_responses

    outcomes: Counter[str] = Counter()
    for name in ("arc_challenge_train.csv", "winograde_train.csv"):
        for record in load_routerbench_responses(shared_data / "routerbench" / name):
            if record.scores.get("gpt-4-1106-preview") != 1.0:
                continue
            options = prompt_options(record.prompt)
            key = extract_answer(record.responses["gpt-4-1106-preview"], record.prompt, options=options)
            assert key is not None
            for model in ("mistralai/mixtral-8x7b-chat", "zero-one-ai/Yi-34B-Chat", "meta/llama-2-70b-chat"):
                if model not in record.scores:
                    continue
                answer = extract_answer(record.responses[model], record.prompt, options=options)
                if answer is None:
                    outcomes["none"] += 1
                else:
                    outcomes["match" if (answer.value == key.value) == (record.scores[model] == 1.0) else "miss"] += 1
    total = sum(outcomes.values())
    assert total > 4000
    assert outcomes["match"] / total > 0.995, outcomes


def test_gsm8k_final_numbers_agree_when_both_models_were_right(shared_data: Path) -> None:
    from routed_llm.evaluation.loaders.responses import load_gsm8k_responses

    weak, strong = "mistralai/Mixtral-8x7B-Instruct-v0.1", "gpt-4-1106-preview"
    both_right = agree = 0
    for record in load_gsm8k_responses(shared_data / "routellm" / "gsm8k" / "gsm8k_responses.csv"):
        if record.scores[weak] == record.scores[strong] == 1.0:
            both_right += 1
            first = extract_answer(record.responses[weak], record.prompt)
            second = extract_answer(record.responses[strong], record.prompt)
            agree += similarity(first, second) == 1.0
    assert both_right > 300 and agree / both_right > 0.98
