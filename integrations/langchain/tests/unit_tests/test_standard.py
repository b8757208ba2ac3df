"""LangChain's standard unit suite for chat models, with sockets disabled."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_routed_llm import RoutedChatModel
from langchain_tests.unit_tests import ChatModelUnitTests

pytestmark = pytest.mark.usefixtures("socket_disabled")


class TestRoutedChatModelStandardUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return RoutedChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"strong": "openai/strong-model", "weak": "openai/weak-model", "scorer": "random"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"ROUTED_LLM_API_KEY": "env-api-key"},
            self.chat_model_params,
            {"api_key": "env-api-key"},
        )

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "openai/weak-model"
