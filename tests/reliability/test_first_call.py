"""Issue 18 item 17: building a client starts importing litellm in the background, and
``import routed_llm`` alone does not import it."""

from __future__ import annotations

import os
import subprocess
import sys

_PROBE = """
import sys, threading
import routed_llm
assert "litellm" not in sys.modules, "import routed_llm imported litellm"
routed_llm.RoutedClient("openai/a", "openai/b", scorer="random")
importing = [t for t in threading.enumerate() if t.name == "routed-llm-import-litellm"]
assert importing, "building a client started no background import"
importing[0].join()
assert "litellm" in sys.modules, "the background import did not import litellm"
"""


def test_building_a_client_imports_litellm_in_a_background_thread() -> None:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    result = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
