"""Reading published data files as published: every problem is a DataError naming the file and line.

Benchmark loaders and the judge's label items read the same CSV and text files, so a
user who downloaded a truncated or edited file is told where, whichever command read it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from routed_llm.errors import DataError

__all__ = ["read_csv", "read_text"]


def read_text(path: Path) -> str:
    """The whole file as text; undecodable bytes are reported with their line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(path, line, "not UTF-8 text") from None


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and ``(first line of the record, fields)`` for every data record.

    A record's *first* line is reported because quoted prompts span many lines and a
    user looks for where the record begins.
    """
    reader = csv.reader(io.StringIO(read_text(path), newline=""))
    records: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    start = 1
    try:
        for fields in reader:
            if header is None:
                header = fields
            elif fields:
                if len(fields) != len(header):
                    raise DataError(path, start, f"{len(fields)} fields where the header has {len(header)}")
                records.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(path, start, f"malformed CSV: {exc}") from None
    if header is None:
        raise DataError(path, 1, "empty file: expected a CSV header")
    duplicates = sorted({name for name in header if header.count(name) > 1 and name})
    if duplicates:
        raise DataError(path, 1, f"duplicate columns {', '.join(duplicates)}")
    return header, records
