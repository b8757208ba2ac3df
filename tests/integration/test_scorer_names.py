"""Names users copy: every name ``--list-routers`` prints either works or says how to train it,
and the default reports itself as ``default`` wherever a router's name is shown."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from routed_llm import ConfigurationError, RoutedClient, available_scorers, resolve_scorer
from routed_llm.cli import main

# causal_llm is ready but asks an LLM for every score, so it is constructed here, not run
OFFLINE_READY = {"default", "random"}


def listed(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    assert main(["route", "--list-routers"]) == 0
    rows = [line.split(maxsplit=1) for line in capsys.readouterr().out.splitlines()]
    return {name: rest for name, rest in rows}


def test_the_list_says_which_names_are_ready_and_how_to_train_the_others(capsys: pytest.CaptureFixture[str]) -> None:
    rows = listed(capsys)
    assert len(rows) == 16 and set(rows) == set(available_scorers())
    ready = {name for name, rest in rows.items() if rest.startswith("ready")}
    assert ready == {"default", "random", "causal_llm"}
    for name, rest in rows.items():
        if name not in ready:
            assert rest.startswith("train first"), rest
            assert f"routed-llm train --scorer {name} " in rest or ".save_pretrained(DIR)" in rest, rest
    assert all(entry.ready == (name in ready) for name, entry in available_scorers().items())


@pytest.mark.parametrize("name", sorted(available_scorers()))
def test_every_listed_name_works_or_fails_at_construction_saying_what_to_do(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = available_scorers()[name]
    if entry.ready:
        client = RoutedClient("openai/big", "openai/small", scorer=name)
        assert client.scorer.name == name
        if name in OFFLINE_READY:
            assert main(["route", "--scorer", name, "hello there"]) == 0
            assert capsys.readouterr().out.split()[0] in {"strong", "weak"}
        return
    with pytest.raises(ConfigurationError, match=f"'{name}' must be trained before use") as caught:
        RoutedClient("openai/big", "openai/small", scorer=name)
    assert "DIR" in str(caught.value) and caught.value.field == "router"
    assert main(["route", "--router", name, "hello there"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("routed-llm route: error: router:") and entry.usage in error


def test_an_untrained_name_prints_no_traceback() -> None:
    result = subprocess.run([sys.executable, "-m", "routed_llm", "route", "--router", "mf", "hello"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "routed-llm train --scorer mf" in result.stderr


def test_the_default_reports_itself_as_default_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    client = RoutedClient("openai/big", "openai/small")
    assert client.route("hello").router == "default"
    assert "scorer='default'" in repr(client)
    assert resolve_scorer(None).name == resolve_scorer("default").name == "default"
    prompts = "\n".join(f"question {i}: what is {i} + {i}?" for i in range(50))
    result = subprocess.run([sys.executable, "-m", "routed_llm", "calibrate", "--strong-share", "0.3", "--json"],
                            input=prompts, capture_output=True, text=True, timeout=120)
    assert json.loads(result.stdout)["router"] == "default", result.stderr


def test_blend_says_what_to_use_instead() -> None:
    with pytest.raises(ConfigurationError, match="for the shipped blend use 'default'"):
        RoutedClient("openai/big", "openai/small", scorer="blend")
