"""Verifiers: agreement, log-probability, self-check and learned, and their registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routed_llm.errors import ArtifactError, ConfigurationError, NotFittedError
from routed_llm.verifiers import (
    Evidence,
    Reply,
    available_verifiers,
    load_verifier,
    parse_judgement,
    resolve_verifier,
    self_check_messages,
)
from routed_llm.verifiers.agreement import AgreementVerifier
from routed_llm.verifiers.learned import LearnedVerifier
from routed_llm.verifiers.logprob import LogprobVerifier
from routed_llm.verifiers.self_check import SelfCheckVerifier

QUESTION = "Which is a mammal?\nA) trout\nB) whale\nC) eagle\nAnswer:"
LETTER_ONLY = QUESTION + '\nPrint only a single choice from "A" or "B" or "C" without explanation.'


def _evidence(answer: str, *others: str, prompt: str = QUESTION, **fields: object) -> Evidence:
    return Evidence(prompt, Reply(answer, model="weak"), tuple(Reply(o, model="checker") for o in others), **fields)


def test_agreement_keeps_agreeing_answers_and_escalates_disagreeing_ones() -> None:
    verifier = AgreementVerifier()
    assert verifier.verify(_evidence("B", "The answer is B.")) == 0.0
    assert verifier.verify(_evidence("B", "A) trout")) == 1.0
    assert verifier.verify(_evidence("B", "B", "C")) == 0.5  # graded by the share that disagrees


def test_agreement_abstains_when_nothing_can_be_compared() -> None:
    verifier = AgreementVerifier(embed_free_text=False)
    assert verifier.verify(_evidence("B")) is None
    assert verifier.verify(_evidence("B", "I cannot tell")) is None
    essay = "Whales are mammals that live in the sea and breathe air through blowholes on their heads."
    assert verifier.verify(_evidence(essay, essay + " Truly.", prompt="Tell me about whales")) is None


def test_agreement_rejects_an_unreadable_cheap_answer_and_a_broken_format() -> None:
    verifier = AgreementVerifier()
    assert verifier.verify(_evidence("I cannot tell", "B")) == 1.0
    assert verifier.verify(_evidence("whale", "B", prompt=LETTER_ONLY)) == 1.0
    assert AgreementVerifier(strict_format=False).verify(_evidence("whale", "B", prompt=LETTER_ONLY)) == 0.0
    assert verifier.verify(_evidence("B", "B", prompt=LETTER_ONLY)) == 0.0


def test_agreement_compares_free_text_with_the_default_routers_embeddings() -> None:
    verifier = AgreementVerifier()
    answer = "Whales are mammals: they breathe air, nurse their young and are warm-blooded animals of the sea."
    close = "Whales are mammals; they breathe air, are warm-blooded and nurse their young in the sea."
    far = "The stock market closed higher on Tuesday after strong quarterly earnings from technology firms."
    near_score = verifier.verify(_evidence(answer, close, prompt="Are whales mammals? Explain."))
    far_score = verifier.verify(_evidence(answer, far, prompt="Are whales mammals? Explain."))
    assert near_score is not None and far_score is not None and near_score < far_score


def test_agreement_rejects_a_bad_setting_by_name() -> None:
    with pytest.raises(ConfigurationError, match="min_similarity"):
        AgreementVerifier(min_similarity=0).verify(_evidence("B", "B"))


def test_logprob_turns_token_confidence_into_an_escalation_score() -> None:
    verifier = LogprobVerifier()
    sure = verifier.verify(_evidence("B", logprobs=[-0.01]))
    unsure = verifier.verify(_evidence("B", logprobs=[-1.2, -0.4]))
    assert sure is not None and unsure is not None and sure < 0.02 < unsure < 1.0
    assert verifier.verify(_evidence("B")) is None
    assert verifier.verify(_evidence("B", logprobs=[])) is None


@pytest.mark.parametrize(("reply", "probability"), [
    ("Yes", 1.0), ("No.", 0.0), ("0.8", 0.8), ("Probability: .25", 0.25), ("I'd say 70%", 0.7),
    ("The answer is not correct.", 0.0), ("Incorrect", 0.0), ("Correct!", 1.0), ("1", 1.0),
    ("hmm", None), ("", None), (None, None),
])
def test_self_check_replies_are_read_as_the_probability_of_being_right(reply: str | None,
                                                                     probability: float | None) -> None:
    assert parse_judgement(reply) == probability


def test_self_check_verifier_and_its_question() -> None:
    assert SelfCheckVerifier().verify(_evidence("B", self_check="0.9")) == pytest.approx(0.1)
    assert SelfCheckVerifier().verify(_evidence("B", self_check="hard to say")) is None
    messages = self_check_messages(QUESTION, "B")
    assert messages[0]["role"] == "user" and QUESTION in messages[0]["content"] and "B" in messages[0]["content"]


def _training_rows() -> tuple[list[Evidence], np.ndarray]:
    """Checker disagreement marks wrong answers; a word in the prompt marks hard questions."""
    rng = np.random.default_rng(0)
    rows, correct = [], []
    for index in range(120):
        right = bool(rng.random() < 0.6)
        hard = "quantum" if not right and index % 2 else "simple"
        checker = "B" if right else ("C" if index % 4 else "B")
        rows.append(_evidence("B", checker, prompt=f"A {hard} question {index}?\nA) x\nB) y\nC) z\nAnswer:"))
        correct.append(float(right))
    return rows, np.array(correct)


def test_learned_verifier_learns_which_cheap_answers_fail_and_round_trips(tmp_path: Path) -> None:
    rows, correct = _training_rows()
    verifier = LearnedVerifier(n_features=256, epochs=200).fit(rows, correct)
    scores = np.array(verifier.verify_many(rows))
    assert scores[correct == 0].mean() > scores[correct == 1].mean() + 0.3
    saved = verifier.save_pretrained(tmp_path / "verifier")
    assert (saved / "model.safetensors").is_file() and (saved / "config.json").is_file()
    for loaded in (LearnedVerifier.from_pretrained(saved), load_verifier(saved), resolve_verifier(str(saved))):
        assert isinstance(loaded, LearnedVerifier)
        assert np.allclose(loaded.verify_many(rows), scores)


def test_learned_verifier_refuses_bad_input_and_use_before_fit(tmp_path: Path) -> None:
    rows, correct = _training_rows()
    with pytest.raises(NotFittedError):
        LearnedVerifier().verify(rows[0])
    with pytest.raises(ConfigurationError, match="n_features"):
        LearnedVerifier(n_features=100).fit(rows, correct)
    with pytest.raises(ConfigurationError, match="correct"):
        LearnedVerifier().fit(rows, np.ones(len(rows)))
    verifier = LearnedVerifier(n_features=256, epochs=5).fit(rows, correct)
    saved = verifier.save_pretrained(tmp_path / "v")
    config = (saved / "config.json").read_text().replace('"n_features": 256', '"n_features": 512')
    (saved / "config.json").write_text(config)
    with pytest.raises(ArtifactError):
        LearnedVerifier.from_pretrained(saved)


def test_registry_resolves_names_instances_and_refuses_unknown_ones() -> None:
    assert available_verifiers() == ["agreement", "learned", "logprob", "self_check"]
    assert isinstance(resolve_verifier("agreement", min_similarity=0.9), AgreementVerifier)
    instance = LogprobVerifier()
    assert resolve_verifier(instance) is instance
    with pytest.raises(ConfigurationError, match="unknown verifier 'nope'"):
        resolve_verifier("nope")
    with pytest.raises(ConfigurationError, match="verifier"):
        resolve_verifier(3)  # type: ignore[arg-type]
    assert repr(AgreementVerifier()) == "AgreementVerifier(min_similarity=0.85, embed_free_text=True, strict_format=True)"
