"""The package's public surface and its import-time promises."""

from __future__ import annotations

import subprocess
import sys

import routed_llm


def test_public_names() -> None:
    assert set(routed_llm.__all__) >= {
        "RoutedClient", "RoutingDecision", "RouterScorer", "RandomScorer", "ThresholdPolicy", "calibrate",
        "prompt_text", "ConfigurationError", "InvalidPromptError", "ProviderError",
    }
    for name in routed_llm.__all__:
        assert hasattr(routed_llm, name), name


def test_import_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, routed_llm; "
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'torch', 'transformers', 'langchain_core', 'llama_index', 'litellm', 'matplotlib', 'sklearn', 'rich'}); "
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
