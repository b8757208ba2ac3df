"""``python -m routed_llm`` is the ``routed-llm`` command."""

import sys

from routed_llm.cli import main

sys.exit(main())
