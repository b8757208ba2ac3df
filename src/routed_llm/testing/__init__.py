"""Test doubles users can reuse: a loopback OpenAI-compatible provider and fake routers."""

from routed_llm.testing.fake_provider import FakeProvider, FakeReply, RecordedRequest, fake_value_for_schema
from routed_llm.testing.fake_scorer import FakeQualityScorer, FakeScorer

__all__ = [
    "FakeProvider",
    "FakeQualityScorer",
    "FakeReply",
    "FakeScorer",
    "RecordedRequest",
    "fake_value_for_schema",
]
