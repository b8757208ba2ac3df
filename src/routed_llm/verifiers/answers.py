"""Final answers out of what models write, and whether two of them say the same thing.

A verifier that compares a cheap model's answer with a checker's cannot compare the raw
text: "B", "The answer is B." and "B) Logan" are one answer, and a worked solution is
judged by the number it ends in. :func:`extract_answer` reduces a reply to an
:class:`Answer` of one kind (an option letter, a number, code, a JSON value, tool calls,
short text or free text); :func:`similarity` says how far two answers agree, in [0, 1],
or ``None`` when they cannot be compared (different kinds, nothing extracted).

Plain regular expressions and string work only: this runs on every cascaded request, so it
must stay well under a millisecond (``benchmarks/cascade.py`` measures it).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

__all__ = ["Answer", "AnswerKind", "extract_answer", "follows_letter_format", "prompt_options", "similarity"]

AnswerKind = Literal["choice", "number", "code", "json", "tool_calls", "text", "free_text"]

SHORT_TEXT_WORDS = 8
"""Replies up to this many words are compared as normalised text; longer ones by embedding."""

_OPTION_LINE = re.compile(r"^\s*\(?([A-J])[).:]\s+(.+?)\s*$", re.MULTILINE)
_ANSWER_MARKER = re.compile(  # a lower-case letter only in brackets: "the answer is a whale" names no option
    r"(?i:final\s+answer|answer|option|choice)\s*(?i:is|:|=)?\s*(?i:option\s*)?[*\s]*"
    r"(?:[(\[]([a-jA-J])[)\]]|\(?([A-J]|[1-9])\b(?![-']))"
)
_LEADING_LETTER = re.compile(r"^[\s*_`\"'(\[]*([A-Ja-j])(?:[)\].:,]|\s*$|\s+[-–—]\s|\s*\*\*)")
_NUMBER = re.compile(r"-?\$?\s?\d[\d,]*(?:\.\d+)?")
_GSM8K_FINAL = re.compile(r"####[^\d\n-]*(-?\$?\s?\d[\d,]*(?:\.\d+)?)")
_QUANTITATIVE = re.compile(r"\d|\bhow (?:many|much|long|far|old)\b|\btotal\b|\bcalculate\b|\bcompute\b", re.IGNORECASE)
_STATED_NUMBER = re.compile(r"answer\s*(?:is|:|=)?\s*[*:$\s]*(-?\$?\s?\d[\d,]*(?:\.\d+)?)", re.IGNORECASE)
_BOXED = re.compile(r"\\boxed\{\s*(-?\$?\s?\d[\d,]*(?:\.\d+)?)")
_FENCE = re.compile(r"```[ \t]*([\w+-]*)[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL)
_LINE_COMMENT = re.compile(r"(?m)(?:#|//).*$")
_DOCSTRING = re.compile(r'"""(?:.|\n)*?"""|\'\'\'(?:.|\n)*?\'\'\'')
_CODE_TOKEN = re.compile(r"[A-Za-z_]\w*|\d+|\S")
_WORD = re.compile(r"[a-z0-9]+")
_MARKDOWN = re.compile(r"[*_`]+")
_LETTER_ONLY = re.compile(
    r"\b(?:only|just)\b[^.\n]{0,30}\b(?:letter|choice|option)\b|\bsingle (?:letter|choice|option)\b"
    r"|\bwithout explanation\b|\banswer with (?:the|a|one) letter\b", re.IGNORECASE)
_BARE_LETTER = re.compile(r"^[\s(\[]*[A-Ja-j][)\].]?\s*$")


@dataclass(frozen=True)
class Answer:
    """A reply reduced to what it answers.

    ``value`` depends on ``kind``: an option letter (``"B"``), a float, normalised code
    tokens (a tuple), a canonical JSON string, a tuple of (name, canonical arguments)
    pairs, normalised text, or the stripped free text.
    """

    kind: AnswerKind
    value: Any


def prompt_options(prompt: str) -> dict[str, str]:
    """The lettered options a multiple-choice prompt offers (its *last* question's), letter -> text.

    Few-shot prompts repeat ``A) ...`` blocks for each example; only the final block is
    the one being asked, so options are read after the last line that starts with ``A``.
    """
    matches = list(_OPTION_LINE.finditer(prompt))
    last_a = max((i for i, m in enumerate(matches) if m.group(1) == "A"), default=None)
    if last_a is None:
        return {}
    options: dict[str, str] = {}
    for match in matches[last_a:]:
        letter = match.group(1)
        if letter in options or (options and ord(letter) != ord(max(options)) + 1):
            break
        options[letter] = match.group(2)
    return options if len(options) >= 2 else {}


def follows_letter_format(reply: str | None, prompt: str, options: Mapping[str, str] | None = None) -> bool:
    """Whether ``reply`` keeps to the format a multiple-choice prompt demands.

    A prompt with lettered options that asks for the letter alone ("Print only a single
    choice from A or B without explanation") is answered by a bare letter; a program that
    reads the reply expects one. The option's words ("Logan") or a cut-off reply ("Rober")
    answer the question but break the contract, so a verifier may reject them. Prompts that
    do not ask for the letter alone accept any reply.
    """
    choices = prompt_options(prompt) if options is None else options
    if not choices or not _LETTER_ONLY.search(prompt[-600:]):
        return True
    return bool(_BARE_LETTER.match(_MARKDOWN.sub("", reply or "")))


def extract_answer(
    reply: str | None,
    prompt: str = "",
    *,
    tool_calls: Sequence[Mapping[str, Any]] = (),
    options: Mapping[str, str] | None = None,
) -> Answer | None:
    """The final answer of ``reply`` to ``prompt``, or ``None`` when there is nothing to compare.

    The prompt decides what is asked: lettered options make it a choice (the letter, the
    option's words or "option 2" all count); otherwise a code block, a JSON value, a final
    number, short text or free text, in that order. Pass ``options`` (from
    :func:`prompt_options`) when extracting several replies to one prompt, to parse it once.
    """
    if tool_calls:
        return _tool_answer(tool_calls)
    text = (reply or "").strip()
    if not text:
        return None
    choices = prompt_options(prompt) if options is None else options
    if choices:
        letter = _choice(text, choices)
        return None if letter is None else Answer("choice", letter)
    code = _code(text)
    if code is not None:
        return Answer("code", code)
    parsed = _json_value(text)
    if parsed is not None:
        return Answer("json", parsed)
    number = _final_number(text, prompt)
    if number is not None:
        return Answer("number", number)
    normalised = " ".join(_WORD.findall(text.lower()))
    if len(normalised.split()) <= SHORT_TEXT_WORDS:
        return Answer("text", normalised) if normalised else None
    return Answer("free_text", text)


def similarity(
    first: Answer | None,
    second: Answer | None,
    embed: Callable[[Sequence[str]], np.ndarray] | None = None,
) -> float | None:
    """How far two answers agree: 1 the same, 0 different, graded for code and free text.

    ``None`` when they cannot be compared: one is missing, their kinds differ, or they are
    free text and no ``embed`` (texts -> unit vectors) was given. Short text and free text
    compare with each other by embedding.
    """
    if first is None or second is None:
        return None
    kinds = {first.kind, second.kind}
    if kinds <= {"text", "free_text"} and kinds != {"text"}:
        if embed is None:
            return None
        vectors = embed([str(first.value), str(second.value)])
        return float(max(0.0, min(1.0, float(vectors[0] @ vectors[1]))))
    if first.kind != second.kind:
        return None
    if first.kind == "number":
        return float(math.isclose(first.value, second.value, rel_tol=1e-6, abs_tol=1e-9))
    if first.kind == "code":
        return _multiset_jaccard(first.value, second.value)
    return float(first.value == second.value)


# -- choices -------------------------------------------------------------------------------
def _choice(text: str, options: Mapping[str, str]) -> str | None:
    stripped = _MARKDOWN.sub("", text).strip()
    letters = set(options)
    leading = _LEADING_LETTER.match(stripped)
    if leading and leading.group(1).upper() in letters:
        # "a" alone or "a)" is an option; "A car ..." is not (the regex needs a delimiter)
        return leading.group(1).upper()
    for match in _ANSWER_MARKER.finditer(stripped):
        token = (match.group(1) or match.group(2)).upper()
        if token in letters:
            return token
        if token.isdigit() and 1 <= int(token) <= len(options):  # "option 2" for lettered options
            return sorted(letters)[int(token) - 1]
    return _option_by_words(stripped, options)


def _option_by_words(text: str, options: Mapping[str, str]) -> str | None:
    """The option whose words the reply gives ("Logan", or a reply cut short: "Rober")."""
    said = " ".join(_WORD.findall(text.lower()))
    if not said:
        return None
    found = set()
    for letter, option in options.items():
        words = " ".join(_WORD.findall(option.lower()))
        if not words:
            continue
        if said == words or said.startswith(words + " ") or (len(said) >= 2 and words.startswith(said)):
            found.add(letter)
    if len(found) == 1:
        return found.pop()
    mentioned = {letter for letter, option in options.items()
                 if option.strip() and re.search(r"\b" + re.escape(option.strip().lower()) + r"\b", text.lower())}
    return mentioned.pop() if len(mentioned) == 1 else None


# -- numbers -------------------------------------------------------------------------------
def _final_number(text: str, prompt: str) -> float | None:
    """A marked final number ("#### 42", "The answer is 42", ``\\boxed{42}``), else the last
    number of a reply to a quantitative prompt (numbers, "how many": a worked solution)."""
    for pattern in (_GSM8K_FINAL, _BOXED):
        marked = pattern.findall(text)
        if marked:
            return _to_float(marked[-1])
    stated = _STATED_NUMBER.findall(text)
    if stated:
        return _to_float(stated[-1])
    if not _QUANTITATIVE.search(prompt):
        return None
    numbers = _NUMBER.findall(text)
    return _to_float(numbers[-1]) if numbers else None


def _to_float(token: str) -> float | None:
    cleaned = token.replace("$", "").replace(",", "").replace(" ", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


# -- code, JSON, tools ---------------------------------------------------------------------
def _code(text: str) -> tuple[str, ...] | None:
    """The tokens of the reply's code blocks, comments, docstrings and layout removed."""
    blocks = [body for language, body in _FENCE.findall(text) if language.lower() not in ("json", "text", "")
              or _looks_like_code(body)]
    if not blocks:
        return None
    source = "\n".join(blocks)
    source = _LINE_COMMENT.sub("", _DOCSTRING.sub("", source))
    return tuple(_CODE_TOKEN.findall(source))


def _looks_like_code(body: str) -> bool:
    return bool(re.search(r"\bdef |\breturn\b|\bclass |;\s*$|\bfunction\b|=\s*\S", body, re.MULTILINE))


def _multiset_jaccard(first: Sequence[str], second: Sequence[str]) -> float:
    a, b = Counter(first), Counter(second)
    union = sum((a | b).values())
    return 1.0 if union == 0 else sum((a & b).values()) / union


def _json_value(text: str) -> str | None:
    candidate = text
    fenced = _FENCE.search(text)
    if fenced and fenced.group(1).lower() == "json":
        candidate = fenced.group(2)
    candidate = candidate.strip()
    if not candidate or candidate[0] not in "{[":
        return None
    try:
        return json.dumps(json.loads(candidate), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return None


def _tool_answer(tool_calls: Sequence[Mapping[str, Any]]) -> Answer:
    calls = []
    for call in tool_calls:
        function = call.get("function", call)
        arguments = function.get("arguments", {})
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments or "{}")
            except ValueError:
                pass  # unparseable arguments are compared as the text they are
        calls.append((str(function.get("name")), json.dumps(arguments, sort_keys=True, separators=(",", ":"))))
    return Answer("tool_calls", tuple(sorted(calls)))
