"""Shared fixtures: the loopback fake provider and the location of the benchmark data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# litellm downloads its price map at import unless told otherwise; tests stay offline.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest  # noqa: E402

from routed_llm.testing import FakeProvider  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"benchmark data not found at {SHARED_DATA} (../shared/data beside the repo)")
    return SHARED_DATA
