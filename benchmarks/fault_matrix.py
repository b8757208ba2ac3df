"""Print the outcome of every cell of the fault matrix (issue 18's acceptance table).

Faults (500, 429, timeout, garbage body, a stream broken before or after its first
content) are injected into the chosen model (strong or weak) of a client calling a
loopback fake provider through each call kind, with the fallback on and off:

    python benchmarks/fault_matrix.py

A cell reads ``weak (fallback)`` when the other model answered, ``ProviderError`` when the
call raised the typed error, ``... after partial answer`` when it broke mid-stream; cells
that differ from the guarantee (``routed_llm_qa.fault_matrix.expected``, in ``tests/support``) are marked ``!``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from routed_llm_qa.fault_matrix import FAULTS, MODES, expected, run_cell  # noqa: E402

from routed_llm.testing import FakeProvider  # noqa: E402


def main() -> None:
    columns = [(mode, fallback) for mode in MODES for fallback in (True, False)]
    header = ["fault", "chosen"] + [f"{mode}/{'fb' if fallback else 'no-fb'}" for mode, fallback in columns]
    rows, misses = [], 0
    with FakeProvider() as provider:
        for fault in FAULTS:
            for role in ("strong", "weak"):
                row = [fault, role]
                for mode, fallback in columns:
                    outcome = run_cell(provider, fault, role, mode, fallback)  # type: ignore[arg-type]
                    miss = outcome != expected(fault, role, mode, fallback)  # type: ignore[arg-type]
                    misses += miss
                    row.append(f"{'! ' if miss else ''}{outcome}")
                rows.append(row)
    widths = [max(len(line[index]) for line in [header, *rows]) for index in range(len(header))]
    for line in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
    print(f"\n{len(rows) * len(columns)} cells, {misses} differ from the guarantee")


if __name__ == "__main__":
    main()
