"""The token-embedding router and the rank blend: fit, score, save, load, refuse bad artifacts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from routed_llm.errors import ArtifactError, ConfigurationError, NotFittedError
from routed_llm.scorers import load_scorer
from routed_llm.scorers.blend import BlendScorer
from routed_llm.scorers.lexical import LexicalScorer
from routed_llm.scorers.token_embedding import TokenEmbeddingScorer, ask_text, prompt_shape

HARD = ["prove the theorem", "derive the integral of the sum", "prove the lemma", "derive the theorem"]
EASY = ["hello", "hi thanks", "thanks", "hi the cat"]


def fitted(tiny_bert: Path) -> TokenEmbeddingScorer:
    prompts = (HARD + EASY) * 3
    gains = ([1.0] * len(HARD) + [0.0] * len(EASY)) * 3
    return TokenEmbeddingScorer(encoder=str(tiny_bert), max_tokens=32, head_tokens=8, alpha=0.1).fit(prompts, gains)


def test_learns_which_kind_of_prompt_needs_the_strong_model(tiny_bert: Path) -> None:
    scorer = fitted(tiny_bert)
    hard, easy = scorer.score(["prove the integral"]), scorer.score(["hi hello"])
    assert 0.0 <= easy[0] < hard[0] <= 1.0
    assert scorer.threshold_for_strong_share(0.25) > scorer.threshold_for_strong_share(0.75)


def test_round_trips_through_an_artifact_without_the_encoder_folder(tiny_bert: Path, tmp_path: Path) -> None:
    scorer = fitted(tiny_bert)
    scorer.save_pretrained(tmp_path / "router")
    loaded = load_scorer(tmp_path / "router")
    assert isinstance(loaded, TokenEmbeddingScorer)
    prompts = HARD + EASY + ["a " * 500]
    np.testing.assert_allclose(loaded.score(prompts), scorer.score(prompts), atol=1e-6)
    config = json.loads((tmp_path / "router" / "config.json").read_text())
    assert "tokenizer.json" in config["assets"] and config["scorer"] == "token_embedding"


def test_a_damaged_artifact_is_an_artifact_error(tiny_bert: Path, tmp_path: Path) -> None:
    fitted(tiny_bert).save_pretrained(tmp_path / "router")
    (tmp_path / "router" / "assets" / "tokenizer.json").write_text("{}")
    with pytest.raises(ArtifactError):
        load_scorer(tmp_path / "router")


def test_fit_rejects_bad_input_naming_the_field(tiny_bert: Path) -> None:
    with pytest.raises(ConfigurationError, match="gains"):
        TokenEmbeddingScorer(encoder=str(tiny_bert), max_tokens=32).fit(HARD * 3, [2.0] * 12)
    with pytest.raises(ConfigurationError, match="sample_weight"):
        TokenEmbeddingScorer(encoder=str(tiny_bert), max_tokens=32).fit(HARD * 3, [0.0] * 12, sample_weight=[-1] * 12)
    with pytest.raises(NotFittedError):
        TokenEmbeddingScorer().score(["hi"])


def test_prompt_shape_sees_length_code_and_math() -> None:
    short, code, maths = prompt_shape(["hi", "```python\ndef f(x):\n    return x\n```", "x^2 + 1 = 0"])
    assert short[0] < code[0] and code[3] == 1.0 and maths[5] == 1.0 and short[3] == short[5] == 0.0


def test_a_blend_ranks_its_members_and_round_trips(tiny_bert: Path, tmp_path: Path) -> None:
    # members as they come back from disk (the lexical one stores float32 weights), so scores match to the bit
    kinds = load_scorer(fitted(tiny_bert).save_pretrained(tmp_path / "kinds"))
    lexical = LexicalScorer(n_features=2**10).fit((HARD + EASY) * 3, ([1.0] * 4 + [0.0] * 4) * 3)
    lexical = load_scorer(lexical.save_pretrained(tmp_path / "lexical"))
    reference = HARD + EASY + ["the dog", "what is the sum", "prove it", "hi"]
    blend = BlendScorer().fit([kinds, lexical], reference)
    scores = blend.score(reference)
    assert np.all((scores >= 0) & (scores <= 1)) and scores[0] > scores[5]
    blend.save_pretrained(tmp_path / "blend")
    np.testing.assert_allclose(load_scorer(tmp_path / "blend").score(reference), scores, atol=1e-6)
    (tmp_path / "blend" / "assets" / "members" / "1" / "model.safetensors").write_bytes(b"tampered")
    with pytest.raises(ArtifactError):
        load_scorer(tmp_path / "blend")
    with pytest.raises(ConfigurationError, match="weights"):
        BlendScorer(weights=(1.0,)).fit([kinds, lexical], reference)


def test_the_ask_leaves_pasted_material_out() -> None:
    assert ask_text("Translate this into German: " + "the shop opens at nine every day " * 4) == "Translate this into German:"
    assert ask_text("Fix this:\n```go\nfunc main() { go f() }\n```\nthanks") == "Fix this:"
    assert ask_text("Here is my code:\nx = 1\ny = x\nprint(x + y)\nWhy 2?") == "Here is my code: Why 2?"
    assert ask_text("Make this friendlier: '" + "we are closed on Monday for cleaning " * 3 + "'") == "Make this friendlier:"
    assert ask_text("Prove that sqrt(2) is irrational.") == "Prove that sqrt(2) is irrational."
    assert len(ask_text("word " * 500).split()) == 60


def test_apostrophes_are_not_quotes_and_a_long_last_line_is_material() -> None:
    # "don't ... I'd" once read as a quote: the instruction lost its middle and kept the material's tail
    ask = "Please fix the typos, don't change the meaning, it's for our website and I'd like it today."
    assert ask_text(ask) == ask
    letter = "Proofread my letter:\n\nDear Sir,\n" + "I am writting about the flat. " * 8 + "\nYours, Ann"
    assert ask_text(letter) == "Proofread my letter: Yours, Ann"
    post = ["Check the spelling in my post.", "We walkd to the lake.", "It was beutiful.", "Then we went home. " * 8]
    assert ask_text("\n".join(post)) == "Check the spelling in my post."


def test_an_ask_kind_classifier_scores_across_its_band_and_round_trips(tiny_bert: Path, tmp_path: Path) -> None:
    prompts = (HARD + EASY) * 3
    labels = ([1.0] * len(HARD) + [0.0] * len(EASY)) * 3
    scorer = TokenEmbeddingScorer(encoder=str(tiny_bert), max_tokens=32, head_tokens=8, alpha=0.1,
                                  features="prompt_ask", band=(0.3, 0.7)).fit(prompts, labels)
    long_easy = "hi thanks: " + "hello the cat " * 40
    scores = scorer.score(["prove the theorem", "hello", long_easy])
    assert scores[0] == 1.0 and scores[1] == 0.0 and scores[2] < 0.5  # the band's ends; length is no cue
    loaded = load_scorer(scorer.save_pretrained(tmp_path / "kind"))
    np.testing.assert_allclose(loaded.score(prompts), scorer.score(prompts), atol=1e-6)
    with pytest.raises(ConfigurationError, match="band"):
        TokenEmbeddingScorer(encoder=str(tiny_bert), band=(0.7, 0.3)).fit(prompts, labels)
    with pytest.raises(ConfigurationError, match="features"):
        TokenEmbeddingScorer(encoder=str(tiny_bert), features="length").fit(prompts, labels)


def test_a_blend_of_absolute_scores_keeps_a_members_order_where_the_other_ties(tiny_bert: Path,
                                                                             tmp_path: Path) -> None:
    prompts = (HARD + EASY) * 3
    labels = ([1.0] * len(HARD) + [0.0] * len(EASY)) * 3
    kind = load_scorer(TokenEmbeddingScorer(encoder=str(tiny_bert), max_tokens=32, head_tokens=8, alpha=0.1,
                                            features="prompt_ask", band=(0.3, 0.7)).fit(prompts, labels)
                       .save_pretrained(tmp_path / "kind"))
    lexical = LexicalScorer(n_features=2**10).fit(prompts, [0.2, 0.9, 0.5, 0.7, 0.0, 0.0, 0.0, 0.0] * 3)
    lexical = load_scorer(lexical.save_pretrained(tmp_path / "lexical"))
    blend = BlendScorer(weights=(1.0, 4.0), rank_members=False).fit([lexical, kind], EASY + ["hi", "the cat"])
    scores, kinds, order = blend.score(HARD), kind.score(HARD), lexical.score(HARD)
    assert np.all(kinds == 1.0)  # one kind: the blend is the lexical member's order, beyond the reference's range
    np.testing.assert_allclose(scores, (np.clip(order, 0, 1) + 4.0) / 5.0, atol=1e-9)
    assert blend.threshold_for_strong_share(0.5) < min(scores)  # the share is read off the reference's scores
    np.testing.assert_allclose(load_scorer(blend.save_pretrained(tmp_path / "blend")).score(HARD), scores, atol=1e-6)


def test_the_default_router_scores_on_the_core_install() -> None:
    """Scoring with the shipped default imports neither torch nor transformers."""
    code = ("import sys; from routed_llm.scorers import resolve_scorer; s = resolve_scorer('default'); "
            "s.score(['hi', 'Prove that 2 is prime']); "
            "print(sorted(m for m in ('torch', 'transformers', 'sklearn') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
