"""The ``routed_llm`` section of a LiteLLM Proxy config, turned into a routing plugin's arguments.

Operators configure the proxy in one YAML file, so the plugin's settings live there too,
beside the ``model_list`` whose deployments they route::

    routed_llm:
      scorer: default              # any routed-llm scorer spec (name or saved router directory)
      threshold: 0.5               # or strong_share: 0.3 (the router's calibrated cut-off)
      prompt_view: last_user
      online_calibrator: {strong_share: 0.3, window: 1000, half_life: null, min_samples: 50}
      spend_budget: {usd: 20.0, window_s: 3600, soft_start: 0.5}
      concurrency_cap: {max_strong: 16, cooldown_s: 5}
      latency_target: {target_s: 8.0}
      state: redis                 # or memory (default); or {backend: redis, url: ..., namespace: ..., ttl_s: ...}

For N candidates instead of a strong/weak pair, name them (most capable first) and price
quality against cost; the group's deployments are then tagged with a candidate's ``model``::

    routed_llm:
      scorer: routers/routerbench  # an N-model router (e.g. benchmarks/train_routerbench.py's)
      models:                      # model = the deployments' tag; name = the router's column
        - {model: gpt-4, name: gpt-4-1106-preview, cost: 0.0050}
        - {model: gpt-35, name: gpt-3.5-turbo-1106, cost: 0.0005}
        - {model: mixtral, name: mistralai/mixtral-8x7b-chat, cost: 0.0003}
      cost_weight: 50.0            # utility = predicted quality - cost_weight x cost (USD)

With ``state: redis`` and no ``url``, the proxy's own ``REDIS_URL`` or
``REDIS_HOST``/``REDIS_PORT``/``REDIS_PASSWORD`` environment variables say where Redis
is, so every replica of a fleet shares the calibrator's window and the budget.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from routed_llm import ConfigurationError
from routed_llm.config import DEFAULT_SCORER, scorer_argument
from routed_llm.routing import (
    ConcurrencyCap,
    LatencyTarget,
    MemoryState,
    OnlineCalibrator,
    RedisState,
    RoutingPolicy,
    SpendBudget,
    StateStore,
)

__all__ = ["SECTION", "read_section", "routing_kwargs", "state_from_settings"]

SECTION = "routed_llm"
_PLAIN = ("scorer", "router", "threshold", "strong_share", "models", "cost_weight", "prompt_view", "max_prompt_chars",
          "mode", "checker", "verifier", "weak_samples", "cascade_band", "role_key", "on_error", "max_call_s")
_POLICIES = ("online_calibrator", "spend_budget", "concurrency_cap", "latency_target")
_KNOWN = frozenset(_PLAIN + _POLICIES + ("state",))


def read_section(path: str | Path) -> dict[str, Any]:
    """The ``routed_llm`` section of the proxy config at ``path`` (empty when absent)."""
    import yaml

    file = Path(path)
    try:
        config = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError("config", f"cannot read {file}: {exc}") from exc
    if not isinstance(config, Mapping):
        raise ConfigurationError("config", f"{file} is not a YAML mapping")
    section = config.get(SECTION) or {}
    if not isinstance(section, Mapping):
        raise ConfigurationError(SECTION, f"must be a mapping in {file}, got {type(section).__name__}")
    return dict(section)


def routing_kwargs(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of :class:`~routed_llm_proxy.RoutedLLMRouting` for ``settings``.

    Policies apply in this order: online calibrator, spend budget, concurrency cap,
    latency target (the calibrator sets the cut-off, the others may then lower the share).
    The routing options are checked by :class:`routed_llm.RoutingConfig` when the plugin is
    built; the plugin refuses a cascade (``mode: cascade``/``hybrid``, ``checker``,
    ``verifier``, ``weak_samples``, ``cascade_band``: see :class:`~routed_llm_proxy.RoutedLLMRouting`); ``router`` is the
    deprecated name of ``scorer``.
    """
    unknown = sorted(set(settings) - _KNOWN)
    if unknown:
        raise ConfigurationError(f"{SECTION}.{unknown[0]}", f"unknown setting; known: {', '.join(sorted(_KNOWN))}")
    kwargs = {key: settings[key] for key in _PLAIN if settings.get(key) is not None}
    if "router" in kwargs:
        kwargs["scorer"] = scorer_argument(kwargs.get("scorer", DEFAULT_SCORER), kwargs.pop("router"))
    state = state_from_settings(settings.get("state"))
    policies: list[RoutingPolicy] = []
    for name in _POLICIES:
        options = settings.get(name)
        if options is None:
            continue
        if not isinstance(options, Mapping):
            raise ConfigurationError(f"{SECTION}.{name}", f"must be a mapping, got {options!r}")
        policies.append(_build(name, dict(options), state))
    kwargs["policies"] = policies
    return kwargs


def state_from_settings(value: Any, environ: Mapping[str, str] | None = None) -> StateStore:
    """The store for ``state``: ``memory`` (default), ``redis``, or ``{backend, url, namespace, ttl_s}``."""
    options: dict[str, Any] = {"backend": value} if isinstance(value, str) or value is None else dict(value)
    backend = options.pop("backend", None) or "memory"
    field = f"{SECTION}.state"
    if backend == "memory":
        if options:
            raise ConfigurationError(field, f"the memory backend takes no options, got {sorted(options)}")
        return MemoryState()
    if backend != "redis":
        raise ConfigurationError(f"{field}.backend", f"must be 'memory' or 'redis', got {backend!r}")
    unknown = sorted(set(options) - {"url", "namespace", "ttl_s", "resolution_s"})
    if unknown:
        raise ConfigurationError(f"{field}.{unknown[0]}", "unknown option; known: url, namespace, ttl_s, resolution_s")
    url = options.pop("url", None) or _redis_url_from_env(os.environ if environ is None else environ)
    if url is None:
        raise ConfigurationError(
            f"{field}.url", "give a redis:// URL, or set REDIS_URL or REDIS_HOST (and REDIS_PORT, REDIS_PASSWORD)"
        )
    return RedisState(url, **options)


def _redis_url_from_env(environ: Mapping[str, str]) -> str | None:
    """The proxy's own Redis settings, as LiteLLM reads them."""
    if environ.get("REDIS_URL"):
        return environ["REDIS_URL"]
    host = environ.get("REDIS_HOST")
    if not host:
        return None
    password = environ.get("REDIS_PASSWORD")
    auth = f":{quote(password, safe='')}@" if password else ""
    return f"redis://{auth}{host}:{environ.get('REDIS_PORT') or 6379}/0"


def _build(name: str, options: dict[str, Any], state: StateStore) -> RoutingPolicy:
    builders: Mapping[str, Callable[..., RoutingPolicy]] = {
        # Replicas agree on wall time, not on each other's monotonic clocks.
        "online_calibrator": lambda **o: OnlineCalibrator(store=state.score_window(name), **o),
        "spend_budget": lambda **o: SpendBudget(clock=time.time, store=state.spend_ledger(name), **o),
        "concurrency_cap": ConcurrencyCap,
        "latency_target": LatencyTarget,
    }
    try:
        return builders[name](**options)
    except TypeError as exc:
        raise ConfigurationError(f"{SECTION}.{name}", str(exc)) from exc
