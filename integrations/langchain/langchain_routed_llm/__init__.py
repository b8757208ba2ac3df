"""LangChain integration of routed-llm: ``RoutedChatModel``, a cost-aware drop-in chat model."""

from langchain_routed_llm.chat_models import RoutedChatModel

__all__ = ["RoutedChatModel"]
