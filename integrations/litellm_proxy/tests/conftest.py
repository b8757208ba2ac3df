"""Fixtures: fake providers on loopback, a redis-server when installed, and real LiteLLM Proxies.

A proxy takes tens of seconds to start, so one per configuration (a strong/weak pair, N
candidates) serves the whole session; tests tell their requests apart by the fake
provider's request log, never by order.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import httpx  # noqa: E402
import pytest  # noqa: E402
from routed_llm_qa.redis_server import LocalRedisServer  # noqa: E402

from routed_llm.testing import FakeProvider  # noqa: E402

PROXY_MODULES = ("fastapi", "uvicorn", "backoff", "apscheduler", "jwt", "multipart", "nacl")
STARTUP_TIMEOUT_S = 240.0


@dataclass(frozen=True)
class RunningProxy:
    base_url: str
    key: str
    provider: FakeProvider
    redis_url: str | None
    namespace: str
    log: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {self.key}"}, timeout=60)


@pytest.fixture(scope="session")
def fake_provider() -> Iterator[FakeProvider]:
    with FakeProvider() as provider:
        yield provider


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str | None]:
    """A real Redis for the proxy's shared state, or ``None`` (memory state) without the binary."""
    if not LocalRedisServer.available() or importlib.util.find_spec("redis") is None:
        yield None
        return
    with LocalRedisServer() as server:
        yield server.url


def proxy_config(provider: FakeProvider, state: str) -> str:
    """A routed group (tagged strong/weak), a plain one, and one group per model for a
    cascade run in front of the proxy (the plugin cannot cascade)."""
    deployment = f"api_base: {provider.base_url}, api_key: fake-key"
    return textwrap.dedent(f"""\
        model_list:
          - model_name: routed
            litellm_params: {{model: openai/big, {deployment}, input_cost_per_token: 0.001, output_cost_per_token: 0.002}}
            model_info: {{routed_llm_role: strong}}
          - model_name: routed
            litellm_params: {{model: openai/small, {deployment}, input_cost_per_token: 0.00001, output_cost_per_token: 0.00002}}
            model_info: {{routed_llm_role: weak}}
          - model_name: plain
            litellm_params: {{model: openai/plain, {deployment}}}
          - model_name: cascade-strong
            litellm_params: {{model: openai/strong-model, {deployment}}}
          - model_name: cascade-weak
            litellm_params: {{model: openai/weak-model, {deployment}}}
          - model_name: cascade-checker
            litellm_params: {{model: openai/checker-model, {deployment}}}
        litellm_settings:
          callbacks: ["routed_llm_routing.routing"]
          num_retries: 0
        routed_llm:
          threshold: 0.5
          online_calibrator: {{strong_share: 0.5, window: 5000, min_samples: 5000}}
          spend_budget: {{usd: 5.0, window_s: 3600}}
          state: {state}
        """)


PLUGIN_MODULE = '''\
from pathlib import Path

from routed_llm.testing import FakeScorer
from routed_llm_proxy import RoutedLLMRouting

routing = RoutedLLMRouting.from_proxy_config(
    Path(__file__).with_name("config.yaml"), scorer=FakeScorer({"hard": 0.9}, default=0.1)
)
'''


def fleet_config(provider: FakeProvider) -> str:
    deployments = "".join(
        f"""
          - model_name: fleet
            litellm_params: {{model: openai/{name}, api_base: {provider.base_url}, api_key: fake-key}}
            model_info: {{routed_llm_role: {name}}}"""
        for name in ("big", "coder", "tiny")
    )
    return textwrap.dedent(f"""\
        model_list:{deployments}
        litellm_settings:
          callbacks: ["routed_llm_routing.routing"]
          num_retries: 0
        routed_llm:
          models: [{{model: big, cost: 0.01}}, {{model: coder, cost: 0.002}}, {{model: tiny, cost: 0.0005}}]
          cost_weight: 20.0
          concurrency_cap: {{max_strong: 8}}
        """)


FLEET_PLUGIN_MODULE = '''\
from pathlib import Path

from routed_llm.testing import FakeQualityScorer
from routed_llm_proxy import RoutedLLMRouting

routing = RoutedLLMRouting.from_proxy_config(
    Path(__file__).with_name("config.yaml"),
    scorer=FakeQualityScorer({"big": 0.9, "coder": 0.3, "tiny": 0.2}, {"python": {"coder": 0.95}, "easy": {"tiny": 0.85}}),
)
'''


@pytest.fixture(scope="session")
def proxy(tmp_path_factory: pytest.TempPathFactory, fake_provider: FakeProvider,
          redis_url: str | None) -> Iterator[RunningProxy]:
    """A strong/weak pair behind a fake two-model router, its policy state in Redis when installed."""
    namespace = f"proxy-test-{secrets.token_hex(4)}"
    state = f"{{backend: redis, url: '{redis_url}', namespace: {namespace}}}" if redis_url else "memory"
    with _running_proxy(tmp_path_factory.mktemp("proxy"), proxy_config(fake_provider, state), PLUGIN_MODULE,
                        fake_provider, redis_url, namespace) as running:
        yield running


@pytest.fixture(scope="session")
def fleet_proxy(tmp_path_factory: pytest.TempPathFactory, fake_provider: FakeProvider) -> Iterator[RunningProxy]:
    """Three candidates behind a fake N-model router (policy state in memory)."""
    with _running_proxy(tmp_path_factory.mktemp("fleet"), fleet_config(fake_provider), FLEET_PLUGIN_MODULE,
                        fake_provider, None, "") as running:
        yield running


@contextmanager
def _running_proxy(folder: Path, config: str, plugin: str, provider: FakeProvider, redis_url: str | None,
                   namespace: str) -> Iterator[RunningProxy]:
    missing = [name for name in PROXY_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"the LiteLLM Proxy's modules are not installed ({', '.join(missing)}): "
                    "pip install 'routed-llm-litellm-proxy[proxy]'")
    (folder / "config.yaml").write_text(config, encoding="utf-8")
    (folder / "routed_llm_routing.py").write_text(plugin, encoding="utf-8")
    port = _free_port()
    key = "sk-" + secrets.token_hex(16)
    env = {**os.environ, "LITELLM_MASTER_KEY": key, "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "LITELLM_LOG": "WARNING", "PYTHONUNBUFFERED": "1"}
    log = folder / "proxy.log"
    litellm_cli = Path(sys.executable).with_name("litellm")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(litellm_cli), "--config", "config.yaml", "--host", "127.0.0.1", "--port", str(port),
             "--num_workers", "1"],
            cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(process, base_url, log)
        yield RunningProxy(base_url, key, provider, redis_url, namespace, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the LiteLLM Proxy exited with status {process.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(f"{base_url}/health/liveliness", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"the LiteLLM Proxy did not answer within {STARTUP_TIMEOUT_S:.0f}s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake
