"""Record the calls one framework call makes into routed-llm's core (issue 24: one call).

The client's routing and calling methods and the router's are wrapped (each still does its
work), so a test of an adapter can assert that a framework call entered the core once: one
call into the client, one decision of the router.
"""

from __future__ import annotations

from typing import Any

import pytest

from routed_llm import RoutedClient
from routed_llm.routing import Router

__all__ = ["spy_core_calls"]

CLIENT_METHODS = ("route", "aroute", "complete", "acomplete", "stream", "astream")
ROUTER_METHODS = ("route", "aroute")


def spy_core_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The list that ``Owner.method`` names are appended to as the core is entered."""
    calls: list[str] = []

    def spy(owner: type, name: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append(f"{owner.__name__}.{name}")
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    for name in CLIENT_METHODS:
        spy(RoutedClient, name)
    for name in ROUTER_METHODS:
        spy(Router, name)
    return calls
