"""Scores shown in the README and the quickstarts are what the shipped default router prints.

Prose examples are written ``"<prompt>" scores 0.NN``; the LiteLLM Proxy quickstart shows a
request's ``"content"`` and the ``x-routed-llm-score`` header it gets. Each shown score must
be the default's score rounded to the digits shown, so a retrained default that moves an
example fails here until the docs follow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from routed_llm.scorers import resolve_scorer

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs" / "quickstart").glob("*.md"))]
PROSE = re.compile(r'"(?P<prompt>[^"\n]+)" scores (?P<score>[01]\.\d+)')
HEADER = re.compile(r'"content": "(?P<prompt>[^"\n]+)"[^\n]*\n(?:[^\n]*\n){0,3}?[^\n]*x-routed-llm-score: '
                    r'(?P<score>[01]\.\d+)')


def _examples() -> list[tuple[str, str, str]]:
    found = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for pattern in (PROSE, HEADER):
            found += [(document.name, match["prompt"].replace("'\\''", "'"), match["score"])
                      for match in pattern.finditer(text)]
    return found


def test_the_docs_show_scores_to_check() -> None:
    documents = {name for name, _, _ in _examples()}
    assert {"README.md", "litellm-proxy.md"} <= documents


@pytest.mark.parametrize(("document", "prompt", "shown"), _examples())
def test_a_documented_score_is_what_the_default_prints(document: str, prompt: str, shown: str) -> None:
    digits = len(shown.split(".")[1])
    actual = float(resolve_scorer("default").score([prompt])[0])
    assert f"{actual:.{digits}f}" == shown, f"{document}: {prompt!r} scores {actual:.{digits}f}, shown {shown}"
