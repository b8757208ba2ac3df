"""Render the Sphinx markup of docstrings as Markdown when mkdocstrings builds the API reference.

Docstrings here use Sphinx roles (``:class:`~routed_llm.Router```, ``:meth:`fit```) and ``::``
literal blocks, which Markdown shows raw. This griffe extension rewrites each docstring as the
reference is built, so every docstring renders, including ones written after this file:

- a role becomes a cross-reference to the object it names, resolved from where the docstring
  sits (``:meth:`fit``` in a class is that class's ``fit``); autorefs links it when that object
  is on a reference page and leaves it as code otherwise (``optional``), so ``--strict`` holds;
  ``~`` shows the last part of the name, ``:role:`title <target>``` the title;
- a paragraph ending in ``::`` ends in ``:`` and its indented block becomes a fenced code block.

Loaded by ``mkdocs.yml`` (``extensions`` of the python handler); ``tests/unit/test_docs_render.py``
runs it on every documented package and finds no raw role left.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

__all__ = ["SphinxRoles", "render"]

ROLE = re.compile(r":(?:py:)?(?:class|meth|func|mod|attr|data|exc|obj|const):`(?P<body>[^`]+)`")
_TITLED = re.compile(r"(?P<title>.+?)\s*<(?P<target>[^>]+)>$")
_LITERAL_INTRO = re.compile(r"^(?P<indent>[ \t]*)(?P<text>.*?)(?P<space>\s?)::[ \t]*$")


class SphinxRoles(griffe.Extension):
    """Rewrites every docstring once the package is loaded (so names resolve across modules)."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = render(obj.docstring.value, obj)


def render(text: str, scope: griffe.Object | None = None) -> str:
    """``text`` with its roles turned into cross-references and its ``::`` blocks fenced."""
    return ROLE.sub(lambda match: _reference(match["body"], scope), _fence_literal_blocks(text))


def _reference(body: str, scope: griffe.Object | None) -> str:
    titled = _TITLED.match(body)
    target = (titled["target"] if titled else body).strip()
    short = target.startswith("~")
    target = target.lstrip("~.").removesuffix("()")
    title = titled["title"] if titled else (target.rsplit(".", 1)[-1] if short else target)
    return f'<autoref identifier="{_resolve(target, scope)}" optional><code>{title}</code></autoref>'


def _resolve(name: str, scope: griffe.Object | None) -> str:
    """The full path of ``name`` as seen from ``scope``: its first part resolved there, the rest appended."""
    if scope is None:
        return name
    head, _, rest = name.partition(".")
    for where in (scope, *_parents(scope)):
        try:
            path = where.resolve(head)
        except (griffe.NameResolutionError, AttributeError):
            continue
        return f"{path}.{rest}" if rest else path
    return name


def _parents(obj: griffe.Object) -> list[griffe.Object]:
    parents = []
    while obj.parent is not None:
        obj = obj.parent
        parents.append(obj)
    return parents


def _fence_literal_blocks(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        intro = _LITERAL_INTRO.match(lines[index])
        if intro is None:
            out.append(lines[index])
            index += 1
            continue
        base = len(intro["indent"].expandtabs())
        block_start = index + 1
        while block_start < len(lines) and not lines[block_start].strip():
            block_start += 1
        end = block_start
        while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > base):
            end += 1
        block = lines[block_start:end]
        while block and not block[-1].strip():
            block.pop()
        if not block:  # a '::' with nothing indented under it is just a colon
            out.append(f"{intro['indent']}{intro['text']}:")
            index += 1
            continue
        strip = min(_indent(line) for line in block if line.strip())
        indent = intro["indent"]  # not indented under "Example:", which would then parse as a Google section
        out += [f"{intro['indent']}{intro['text']}:" if intro["text"] else "", "", f"{indent}```python"]
        out += [indent + line.expandtabs()[strip:] if line.strip() else "" for line in block]
        out += [f"{indent}```", ""]
        index = end
    return "\n".join(out)


def _indent(line: str) -> int:
    expanded = line.expandtabs()
    return len(expanded) - len(expanded.lstrip())
