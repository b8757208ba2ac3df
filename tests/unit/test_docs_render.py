"""The API reference renders docstrings' Sphinx markup: no raw role or ``::`` reaches a page."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

griffe = pytest.importorskip("griffe", reason="the docs extra is not installed")

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "tools" / "griffe_sphinx_roles.py"
# what mkdocs.yml documents: the core and both framework adapters, read from source
PACKAGES = {"routed_llm": ROOT / "src", "langchain_routed_llm": ROOT / "integrations" / "langchain",
            "llama_index.llms.routed_llm": ROOT / "integrations" / "llama_index"}
RAW = re.compile(r":(?:py:)?(?:class|meth|func|mod|attr|data|exc|obj|const):`|::\s*$", re.MULTILINE)


def extension_module():
    spec = importlib.util.spec_from_file_location("griffe_sphinx_roles", EXTENSION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def docstrings(obj) -> Iterator[tuple[str, str]]:
    if obj.docstring is not None:
        yield obj.path, obj.docstring.value
    for member in obj.members.values():
        if not member.is_alias:
            yield from docstrings(member)


def test_mkdocs_loads_the_extension() -> None:
    assert "extensions: [tools/griffe_sphinx_roles.py:SphinxRoles]" in (ROOT / "mkdocs.yml").read_text()


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_raw_sphinx_markup_is_left_in_any_docstring(package: str) -> None:
    extensions = griffe.load_extensions(f"{EXTENSION}:SphinxRoles")
    loaded = griffe.load(package, search_paths=[str(path) for path in PACKAGES.values()], extensions=extensions,
                         resolve_aliases=False)
    before = griffe.load(package, search_paths=[str(path) for path in PACKAGES.values()], resolve_aliases=False)
    assert any(RAW.search(text) for _, text in docstrings(before)), "nothing to render: the test would prove nothing"
    raw = {path: RAW.findall(text) for path, text in docstrings(loaded) if RAW.search(text)}
    assert raw == {}


def test_roles_become_cross_references_resolved_where_the_docstring_sits() -> None:
    render = extension_module().render
    module = griffe.load("routed_llm.scorers.blend", search_paths=[str(ROOT / "src")], resolve_aliases=False)
    scorer = module["BlendScorer"]
    text = render(":class:`~routed_llm.scorers.base.BaseScorer`, :meth:`fit`, :func:`the loader <load_scorer>` "
                  "and :mod:`numpy`", scorer)
    assert text == (
        '<autoref identifier="routed_llm.scorers.base.BaseScorer" optional><code>BaseScorer</code></autoref>, '
        '<autoref identifier="routed_llm.scorers.blend.BlendScorer.fit" optional><code>fit</code></autoref>, '
        '<autoref identifier="routed_llm.scorers.registry.load_scorer" optional><code>the loader</code></autoref> '
        'and <autoref identifier="numpy" optional><code>numpy</code></autoref>'
    )


def test_literal_blocks_become_fenced_code() -> None:
    render = extension_module().render
    text = "Intro.\n\nExample::\n\n    client = RoutedClient()\n\n        nested = 1\n\nAfter it.\nA plain::\n\nend"
    assert render(text) == ("Intro.\n\nExample:\n\n```python\nclient = RoutedClient()\n\n    nested = 1\n```\n\n"
                            "After it.\nA plain:\n\nend")
