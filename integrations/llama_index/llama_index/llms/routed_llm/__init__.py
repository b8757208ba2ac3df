"""LlamaIndex integration of routed-llm: ``RoutedLLM`` routes each call to a strong or a weak model."""

from llama_index.llms.routed_llm.base import RoutedLLM

__all__ = ["RoutedLLM"]
