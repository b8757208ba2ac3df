"""Promises the published READMEs make to readers who see them outside this repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# PyPI renders each distribution's README on its own, so a relative link there leads nowhere.
PUBLISHED_READMES = [ROOT / "README.md", *sorted((ROOT / "integrations").glob("*/README.md"))]
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")


def test_readme_stays_an_entry_page() -> None:
    assert len((ROOT / "README.md").read_text().splitlines()) <= 300


@pytest.mark.parametrize("readme", PUBLISHED_READMES, ids=lambda path: str(path.relative_to(ROOT)))
def test_published_readme_links_are_absolute(readme: Path) -> None:
    targets = LINK_TARGET.findall(readme.read_text())
    relative = [target for target in targets if not target.startswith(("https://", "http://", "#"))]
    assert targets, f"{readme} links nowhere: it should point readers to the documentation"
    assert relative == []
