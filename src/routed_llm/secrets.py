"""Keep API keys out of reprs, logs and error messages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MASK", "is_secret_key", "redact_mapping", "redact_text", "secret_values"]

MASK = "**********"
_SECRET_KEY = re.compile(
    r"(?:^|[_\-])(?:api[_\-]?key|key|token|secret|password|authorization|credentials?)$", re.IGNORECASE
)


def is_secret_key(name: str) -> bool:
    """Whether a keyword argument or header of this name holds a secret."""
    return bool(_SECRET_KEY.search(name))


def redact_mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with secret-named values masked, recursively (``extra_headers`` too)."""
    return {
        key: MASK if is_secret_key(key) and value is not None else
        redact_mapping(value) if isinstance(value, Mapping) else value
        for key, value in values.items()
    }


def secret_values(values: Mapping[str, Any]) -> list[str]:
    """Every secret string in ``values`` (recursively), longest first for safe replacing."""
    found: list[str] = []
    for key, value in values.items():
        if isinstance(value, Mapping):
            found.extend(secret_values(value))
        elif is_secret_key(key):
            text = _plain(value)
            if text:
                found.append(text)
    return sorted(set(found), key=len, reverse=True)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret (4 characters or more) masked."""
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text


def _plain(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    getter = getattr(value, "get_secret_value", None)  # pydantic SecretStr
    return getter() if callable(getter) else None
