"""Keep API keys out of reprs, logs and error messages."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "MASK",
    "environment_secrets",
    "is_secret_key",
    "masked_repr",
    "redact_mapping",
    "redact_text",
    "secret_values",
    "without_secrets",
]

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


def without_secrets(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with every secret-named entry removed, recursively: what may be written to disk.

    Masking is for display; a file keeps nothing, because a masked value read back would be
    sent as if it were the key.
    """
    return {
        key: without_secrets(value) if isinstance(value, Mapping) else value
        for key, value in values.items()
        if not is_secret_key(key)
    }


def masked_repr(type_name: str, params: Mapping[str, Any]) -> str:
    """``Type(a=1, encoder={... 'api_key': '**********'})``: a constructor-like repr, secrets masked."""
    return f"{type_name}({', '.join(f'{key}={value!r}' for key, value in redact_mapping(params).items())})"


def environment_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """The values of secret-named environment variables (``OPENAI_API_KEY``, ``HF_TOKEN``, ...).

    Providers read their keys from there, so a provider error that echoes a key echoes one
    of these; the client and the command-line tools mask them in what a provider said. Values
    shorter than 8 characters (``SOME_TOKEN=true``) are switches, not keys, and masking them
    would blank ordinary words out of every message.
    """
    found = secret_values({name: value for name, value in (os.environ if environ is None else environ).items()})
    return [value for value in found if len(value) >= 8]


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
