"""The plugin instance the proxy config names (``litellm_settings.callbacks``).

LiteLLM loads ``<module>.<instance>`` callbacks from a file beside the config; this one
builds the routing plugin from the config's own ``routed_llm`` section.
"""

from pathlib import Path

from routed_llm_proxy import RoutedLLMRouting

routing = RoutedLLMRouting.from_proxy_config(Path(__file__).with_name("config.yaml"))
