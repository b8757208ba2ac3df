"""Issue 18's fault matrix: (500, 429, timeout, garbage, breaks) x (strong, weak) x
(sync, async, stream, astream) x (fallback on, off), each cell against its guaranteed outcome."""

from __future__ import annotations

import pytest
from routed_llm_qa.fault_matrix import Mode, cells, expected, run_cell

from routed_llm.decision import ModelRole
from routed_llm.testing import FakeProvider


@pytest.mark.parametrize(("fault", "role", "mode", "fallback"), list(cells()),
                         ids=lambda value: {True: "fallback", False: "no-fallback"}.get(value, str(value)))
def test_fault_matrix_cell(provider: FakeProvider, fault: str, role: ModelRole, mode: Mode, fallback: bool) -> None:
    assert run_cell(provider, fault, role, mode, fallback) == expected(fault, role, mode, fallback)
