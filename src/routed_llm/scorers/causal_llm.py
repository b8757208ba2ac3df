"""The causal-LLM classifier: an instruction-tuned LLM rates how much a prompt needs a strong model.

RouteLLM's causal-LLM router fine-tunes Llama-3-8B to emit a label token and reads the
probability from that token's softmax. Through litellm the same reading works with any
chat model that returns token logprobs: the model is asked for a rating from 1 (a small
model answers as well) to ``scale`` (only a strong model answers well), the rating
distribution is taken from the first label token's ``top_logprobs``, and the score is the
expected rating mapped to [0, 1]. A provider that returns no logprobs still works: the
sampled rating is used, which gives ``scale`` distinct scores instead of a continuum.

This is the one scorer that calls a provider, so it has async twins (``ascore``, awaited
by :meth:`RoutedClient.acomplete`) and bounded concurrency for batches. Extra keyword
arguments (``api_key``, ``extra_headers``, ...) go to every litellm call and are never
saved, printed or put in error messages.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from routed_llm.artifacts import CONFIG_NAME, ArtifactMixin
from routed_llm.errors import ArtifactError, ConfigurationError, ScorerError
from routed_llm.scorers.base import BaseScorer
from routed_llm.secrets import redact_text, secret_values

__all__ = ["DEFAULT_INSTRUCTION", "CausalLLMScorer", "parse_rating", "rating_distribution"]

DEFAULT_INSTRUCTION = (
    "You route requests for a service that has a strong, expensive language model and a small, "
    "cheap one. Rate how much answering the user's prompt well needs the strong model, on a scale "
    "from 1 to {scale}: 1 means the small model answers it as well as the strong one; {scale} means "
    "only the strong model can answer it well. Reply with the single digit only."
)

_DIGIT = re.compile(r"(?<!\d)(\d)(?!\d)")


def rating_distribution(token_logprobs: Sequence[Any] | None, scale: int) -> np.ndarray | None:
    """Probabilities of the ratings ``1..scale`` read from a reply's token logprobs.

    ``token_logprobs`` is the reply's ``logprobs.content``: one entry per generated token,
    each with ``token``, ``logprob`` and ``top_logprobs`` (objects or dicts, as litellm or a
    raw JSON body gives them). The first generated token that is a rating decides; its
    alternatives that are ratings too (``"4"`` and ``" 4"`` count as one) are summed and
    renormalised over the ratings. ``None`` when no token is a rating.
    """
    for entry in token_logprobs or []:
        if _rating_of(_field(entry, "token"), scale) is None:
            continue
        mass = np.zeros(scale, dtype=np.float64)
        seen: set[str] = set()
        for candidate in [entry, *(_field(entry, "top_logprobs") or [])]:
            token = _field(candidate, "token")
            rating = _rating_of(token, scale)
            logprob = _field(candidate, "logprob")
            if rating is None or token in seen or not isinstance(logprob, (int, float)):
                continue
            seen.add(token)
            mass[rating - 1] += float(np.exp(logprob))
        total = mass.sum()
        return mass / total if total > 0 and np.isfinite(total) else None
    return None


def parse_rating(text: str | None, scale: int) -> int | None:
    """The first stand-alone digit in ``1..scale`` of a reply, or ``None``."""
    for match in _DIGIT.finditer(text or ""):
        value = int(match.group(1))
        if 1 <= value <= scale:
            return value
    return None


class CausalLLMScorer(ArtifactMixin, BaseScorer):
    """Score prompts by asking an instruction-tuned LLM (any litellm model) for a rating.

    Example::

        scorer = CausalLLMScorer("openai/gpt-4o-mini")
        scorer.score(["hi", "prove the Riemann hypothesis"])   # e.g. [0.02, 0.97]

    ``fit`` needs no labels: it scores a sample of training prompts so the saved router
    carries score quantiles and can be asked for a strong-call share.
    """

    name: ClassVar[str] = "causal_llm"

    def __init__(
        self,
        model: str = "openai/gpt-4o-mini",
        *,
        api_base: str | None = None,
        scale: int = 5,
        use_logprobs: bool = True,
        top_logprobs: int = 5,
        max_tokens: int = 4,
        temperature: float = 0.0,
        max_concurrency: int = 8,
        num_retries: int = 3,
        timeout: float = 60.0,
        instruction: str = DEFAULT_INSTRUCTION,
        calibration_size: int = 256,
        seed: int = 0,
        **litellm_kwargs: Any,
    ) -> None:
        self.model = model
        self.api_base = api_base
        self.scale = scale
        self.use_logprobs = use_logprobs
        self.top_logprobs = top_logprobs
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.max_concurrency = max_concurrency
        self.num_retries = num_retries
        self.timeout = timeout
        self.instruction = instruction
        self.calibration_size = calibration_size
        self.seed = seed
        self._litellm_kwargs = dict(litellm_kwargs)

    # -- scoring ----------------------------------------------------------------------------
    def score(self, prompts: Sequence[str]) -> np.ndarray:
        """One LLM call per prompt, at most ``max_concurrency`` at a time."""
        self._check()
        if not prompts:
            return np.zeros(0, dtype=np.float64)
        import litellm

        workers = min(self.max_concurrency, len(prompts))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="causal-llm") as pool:
            replies = list(pool.map(lambda p: self._call(litellm.completion, p), prompts))
        return np.asarray([self._reply_score(reply) for reply in replies], dtype=np.float64)

    async def ascore(self, prompts: Sequence[str]) -> np.ndarray:
        """:meth:`score` for async code, with the same concurrency bound."""
        self._check()
        import litellm

        gate = asyncio.Semaphore(self.max_concurrency)

        async def one(prompt: str) -> float:
            async with gate:
                reply = await self._acall(litellm.acompletion, prompt)
            return self._reply_score(reply)

        return np.asarray(await asyncio.gather(*(one(p) for p in prompts)), dtype=np.float64)

    def fit(self, prompts: Sequence[str], *args: Any, **kwargs: Any) -> CausalLLMScorer:
        """Calibrate: score up to ``calibration_size`` of ``prompts`` and keep the quantiles.

        Labels, if passed (the training framework passes them to every scorer), are not
        used: the LLM is not trained here, only its score distribution is measured.
        """
        self._check()
        if not prompts:
            raise ConfigurationError("prompts", "fit needs at least one prompt to calibrate on")
        rng = np.random.default_rng(self.seed)
        count = min(self.calibration_size, len(prompts))
        sample = [prompts[i] for i in rng.choice(len(prompts), size=count, replace=False)]
        self.score_quantiles_ = np.quantile(self.score(sample), np.linspace(0.0, 1.0, 101))
        return self

    @classmethod
    def _from_config(
        cls, directory: Path, config: Mapping[str, Any], allow_unverified: bool = False
    ) -> CausalLLMScorer:
        """Refuse unknown params: with ``**litellm_kwargs`` they would reach the provider."""
        known = set(inspect.signature(cls.__init__).parameters) - {"self", "litellm_kwargs"}
        unknown = sorted(set(config["params"]) - known)
        if unknown:
            raise ArtifactError(f"{directory / CONFIG_NAME}: params do not fit {cls.__name__}: unknown {unknown}")
        return super()._from_config(directory, config, allow_unverified)

    # -- one call ---------------------------------------------------------------------------
    def _request(self, prompt: str) -> dict[str, Any]:
        request: dict[str, Any] = {
            **self._litellm_kwargs,
            "model": self.model,
            "messages": [
                {"role": "system", "content": self.instruction.format(scale=self.scale)},
                {"role": "user", "content": prompt},
            ],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "num_retries": self.num_retries,
            "timeout": self.timeout,
        }
        if self.api_base is not None:
            request["api_base"] = self.api_base
        if self.use_logprobs:
            request["logprobs"] = True
            request["top_logprobs"] = self.top_logprobs
        return request

    def _call(self, completion: Any, prompt: str) -> Any:
        try:
            return completion(**self._request(prompt))
        except Exception as exc:  # provider errors are many; report them typed and redacted
            raise self._provider_error(exc) from exc

    async def _acall(self, acompletion: Any, prompt: str) -> Any:
        try:
            return await acompletion(**self._request(prompt))
        except Exception as exc:
            raise self._provider_error(exc) from exc

    def _provider_error(self, exc: Exception) -> ScorerError:
        message = redact_text(str(exc), secret_values(self._litellm_kwargs))
        return ScorerError(f"router {self.name!r}: model {self.model!r} failed: {type(exc).__name__}: {message}")

    def _reply_score(self, reply: Any) -> float:
        choice = reply.choices[0]
        logprobs = _field(choice, "logprobs")
        distribution = rating_distribution(_field(logprobs, "content"), self.scale) if logprobs else None
        if distribution is not None:
            expected = float(np.dot(distribution, np.arange(1, self.scale + 1)))
        else:
            content = _field(_field(choice, "message"), "content")
            rating = parse_rating(content, self.scale)
            if rating is None:
                preview = (content or "")[:80]
                raise ScorerError(
                    f"router {self.name!r}: model {self.model!r} answered {preview!r}, "
                    f"not a rating from 1 to {self.scale}"
                )
            expected = float(rating)
        return (expected - 1.0) / (self.scale - 1.0)

    def _check(self) -> None:
        if not isinstance(self.scale, int) or not 2 <= self.scale <= 9:
            raise ConfigurationError("scale", f"must be an int from 2 to 9 (one digit per rating), got {self.scale!r}")
        if not isinstance(self.max_concurrency, int) or self.max_concurrency < 1:
            raise ConfigurationError("max_concurrency", f"must be an int >= 1, got {self.max_concurrency!r}")
        if not isinstance(self.top_logprobs, int) or not 0 <= self.top_logprobs <= 20:
            raise ConfigurationError("top_logprobs", f"must be an int from 0 to 20, got {self.top_logprobs!r}")
        if "{scale}" not in self.instruction:
            raise ConfigurationError("instruction", "must contain '{scale}' so the model knows the rating range")


def _rating_of(token: Any, scale: int) -> int | None:
    text = token.strip() if isinstance(token, str) else ""
    return int(text) if len(text) == 1 and text.isdigit() and 1 <= int(text) <= scale else None


def _field(item: Any, name: str) -> Any:
    if item is None:
        return None
    if isinstance(item, Mapping):
        return item.get(name)
    return getattr(item, name, None)
