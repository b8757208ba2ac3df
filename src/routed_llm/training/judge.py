"""Preference battles from an LLM judge: label prompts with no human votes.

RouteLLM augments its arena data with GPT-4-judged battles; this module does the same for
any data. For each prompt it takes the strong and the weak model's answers (from the data
when published, otherwise by calling the models through litellm), shows both to a judge
model in MT-Bench's pairwise format, and appends one arena-format battle per prompt to a
JSON Lines file::

    {"prompt": ..., "model_a": ..., "model_b": ..., "winner": "model_a" | "model_b" | "tie", "judge": ...}

Long runs against rate-limited APIs are the normal case, so the run is resumable (battles
already in the output file are skipped, each battle is flushed as soon as it is judged),
concurrency is bounded, and a 429 is retried with exponential back-off on top of
litellm's own ``num_retries``. Which answer is shown first alternates by a hash of the
prompt, so the judge's position bias does not favour either model, and reruns are stable.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from routed_llm.errors import ConfigurationError, DataError
from routed_llm.secrets import environment_secrets, redact_text, secret_values

__all__ = [
    "JUDGE_INSTRUCTION",
    "LabelItem",
    "LabelReport",
    "Winner",
    "alabel_battles",
    "completed_keys",
    "parse_verdict",
    "read_label_items",
]

Winner = Literal["model_a", "model_b", "tie"]

JUDGE_INSTRUCTION = (
    "Please act as an impartial judge and evaluate the quality of the responses provided by two AI "
    "assistants to the user question displayed below. Choose the assistant that follows the user's "
    "instructions and answers the user's question better, considering correctness, helpfulness, "
    "relevance, depth and level of detail. Avoid any position bias: the order in which the responses "
    "are presented must not influence your decision, and neither must their length. Be as objective "
    "as possible. After a short explanation, output your final verdict strictly in this format: "
    '"[[A]]" if assistant A is better, "[[B]]" if assistant B is better, and "[[C]]" for a tie.'
)

_VERDICT = re.compile(r"\[\[([ABC])\]\]")
_RESPONSE_SUFFIX = "_response"


@dataclass(frozen=True)
class LabelItem:
    """One prompt and whichever model answers the data already holds (model -> text)."""

    prompt: str
    responses: Mapping[str, str] = field(default_factory=dict)


@dataclass
class LabelReport:
    """What a labelling run did: battles written, skipped as already done, and failures."""

    written: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def parse_verdict(text: str | None) -> Winner | None:
    """MT-Bench's pairwise verdict: the last ``[[A]]``/``[[B]]``/``[[C]]`` in the judgement."""
    found = _VERDICT.findall(text or "")
    if not found:
        return None
    return {"A": "model_a", "B": "model_b", "C": "tie"}[found[-1]]  # type: ignore[return-value]


def read_label_items(path: str | Path, models: Sequence[str]) -> list[LabelItem]:
    """Prompts (and published answers of ``models``) from a CSV, JSON Lines or text file.

    - ``.csv`` (or a directory of them): a ``prompt`` column, and ``<model>_response``
      columns where published (RouteLLM's GSM8K file has them);
    - ``.jsonl``: objects with ``prompt`` and optionally ``<model>_response`` keys or a
      ``responses`` object mapping model to answer;
    - anything else: one prompt per non-empty line.
    """
    location = Path(path).expanduser()
    if not location.exists():
        raise DataError(location, None, "no such file or directory")
    if location.is_dir():
        files = sorted(location.glob("*.csv"))
        if not files:
            raise DataError(location, None, "no .csv files in this directory")
        return [item for file in files for item in _read_csv_items(file, models)]
    suffix = location.suffix.lower()
    if suffix == ".csv":
        return _read_csv_items(location, models)
    if suffix == ".jsonl":
        return _read_jsonl_items(location, models)
    from routed_llm.data.files import read_text

    return [LabelItem(line.strip()) for line in read_text(location).splitlines() if line.strip()]


def completed_keys(out: Path) -> set[tuple[str, frozenset[str]]]:
    """``(prompt, {model_a, model_b})`` of every battle already in ``out``.

    A last line cut short by an interrupted run is ignored, so its prompt is judged again.
    """
    done: set[tuple[str, frozenset[str]]] = set()
    if not out.is_file():
        return done
    for line in out.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            battle = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(battle, dict) and isinstance(battle.get("prompt"), str):
            done.add((battle["prompt"], frozenset((str(battle.get("model_a")), str(battle.get("model_b"))))))
    return done


async def alabel_battles(
    items: Iterable[LabelItem],
    *,
    judge: str,
    strong: str,
    weak: str,
    out: str | Path,
    concurrency: int = 4,
    num_retries: int = 2,
    rate_limit_retries: int = 5,
    backoff_s: float = 2.0,
    max_tokens: int = 1024,
    on_progress: Callable[[int, int], None] | None = None,
    **litellm_kwargs: Any,
) -> LabelReport:
    """Judge every item not yet in ``out`` and append its battle; see the module docstring.

    ``litellm_kwargs`` (``api_base``, ``api_key``, ...) go to every call: the two models'
    and the judge's. ``on_progress(done, total)`` is called after each prompt.
    """
    if not isinstance(concurrency, int) or concurrency < 1:
        raise ConfigurationError("concurrency", f"must be an int >= 1, got {concurrency!r}")
    if strong == weak:
        raise ConfigurationError("weak", "the weak model must differ from the strong model")
    path = Path(out).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    done = completed_keys(path)
    pair = frozenset((strong, weak))
    todo: list[LabelItem] = []
    report = LabelReport()
    for item in items:
        if (item.prompt, pair) in done:
            report.skipped += 1
        else:
            done.add((item.prompt, pair))
            todo.append(item)
    caller = _Caller(num_retries, rate_limit_retries, backoff_s, dict(litellm_kwargs))
    gate = asyncio.Semaphore(concurrency)
    _end_with_newline(path)
    with path.open("a", encoding="utf-8") as sink:

        async def one(item: LabelItem) -> None:
            async with gate:
                try:
                    battle = await _battle(caller, item, judge, strong, weak, max_tokens)
                except _JudgeFailure as failure:
                    report.failed += 1
                    report.errors.append(str(failure))
                else:
                    sink.write(json.dumps(battle, ensure_ascii=False) + "\n")
                    sink.flush()
                    report.written += 1
                if on_progress is not None:
                    on_progress(report.written + report.failed, len(todo))

        await asyncio.gather(*(one(item) for item in todo))
    return report


class _JudgeFailure(Exception):
    """One prompt could not be labelled; the run goes on and a rerun retries it."""


@dataclass
class _Caller:
    num_retries: int
    rate_limit_retries: int
    backoff_s: float
    kwargs: dict[str, Any]

    async def text(self, model: str, messages: list[dict[str, str]], max_tokens: int) -> str:
        import litellm

        attempt = 0
        while True:
            try:
                reply = await litellm.acompletion(model=model, messages=messages, max_tokens=max_tokens,
                                                  num_retries=self.num_retries, **self.kwargs)
                return reply.choices[0].message.content or ""
            except litellm.RateLimitError as exc:
                if attempt >= self.rate_limit_retries:
                    raise _JudgeFailure(self._describe(model, exc)) from exc
                await asyncio.sleep(self.backoff_s * 2**attempt)
                attempt += 1
            except Exception as exc:  # provider errors are many; one prompt's failure is reported, not fatal
                raise _JudgeFailure(self._describe(model, exc)) from exc

    def _describe(self, model: str, exc: Exception) -> str:
        # a provider may echo a key litellm read from the environment, not only one passed in kwargs
        secrets = [*secret_values(self.kwargs), *environment_secrets()]
        return f"{model}: {type(exc).__name__}: {redact_text(str(exc), secrets)}"[:500]


async def _battle(caller: _Caller, item: LabelItem, judge: str, strong: str, weak: str,
                  max_tokens: int) -> dict[str, Any]:
    async def answer(model: str) -> str:
        published = item.responses.get(model)
        if published is not None:
            return published
        return await caller.text(model, [{"role": "user", "content": item.prompt}], max_tokens)

    strong_answer, weak_answer = await asyncio.gather(answer(strong), answer(weak))
    answers = {strong: strong_answer, weak: weak_answer}
    first_strong = hashlib.sha256(item.prompt.encode("utf-8", "replace")).digest()[0] % 2 == 0
    model_a, model_b = (strong, weak) if first_strong else (weak, strong)
    judgement = await caller.text(judge, _judge_messages(item.prompt, answers[model_a], answers[model_b]), max_tokens)
    winner = parse_verdict(judgement)
    if winner is None:
        raise _JudgeFailure(f"{judge}: no [[A]]/[[B]]/[[C]] verdict in {judgement[-120:]!r}")
    return {"prompt": item.prompt, "model_a": model_a, "model_b": model_b, "winner": winner, "judge": judge}


def _judge_messages(prompt: str, answer_a: str, answer_b: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": JUDGE_INSTRUCTION},
        {"role": "user", "content": (
            f"[User Question]\n{prompt}\n\n"
            f"[The Start of Assistant A's Answer]\n{answer_a}\n[The End of Assistant A's Answer]\n\n"
            f"[The Start of Assistant B's Answer]\n{answer_b}\n[The End of Assistant B's Answer]"
        )},
    ]


def _end_with_newline(path: Path) -> None:
    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as handle:
            handle.seek(-1, 2)
            last = handle.read(1)
        if last != b"\n":
            with path.open("a", encoding="utf-8") as handle:
                handle.write("\n")


def _read_csv_items(path: Path, models: Sequence[str]) -> list[LabelItem]:
    from routed_llm.data.files import read_csv

    header, records = read_csv(path)
    if "prompt" not in header:
        raise DataError(path, 1, "no 'prompt' column")
    prompt_index = header.index("prompt")
    columns = {model: header.index(model + _RESPONSE_SUFFIX) for model in models if model + _RESPONSE_SUFFIX in header}
    items = []
    for _, fields in records:
        responses = {model: fields[index] for model, index in columns.items() if fields[index].strip()}
        items.append(LabelItem(fields[prompt_index], responses))
    return items


def _read_jsonl_items(path: Path, models: Sequence[str]) -> list[LabelItem]:
    from routed_llm.data.files import read_text

    items = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(path, number, f"not JSON: {exc.msg}") from None
        if not isinstance(record, dict) or not isinstance(record.get("prompt"), str):
            raise DataError(path, number, "expected an object with a string 'prompt'")
        nested = record.get("responses") if isinstance(record.get("responses"), dict) else {}
        responses = {}
        for model in models:
            text = nested.get(model, record.get(model + _RESPONSE_SUFFIX))
            if isinstance(text, str):
                responses[model] = text
        items.append(LabelItem(record["prompt"], responses))
    return items

