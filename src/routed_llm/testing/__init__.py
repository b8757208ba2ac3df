"""Test doubles users can reuse: a loopback OpenAI-compatible provider (scripted, or replaying
recorded benchmark answers) and fake routers."""

from routed_llm.testing.fake_provider import FakeProvider, FakeReply, RecordedRequest, fake_value_for_schema
from routed_llm.testing.fake_scorer import FakeQualityScorer, FakeScorer
from routed_llm.testing.replay import ReplayProvider

__all__ = [
    "FakeProvider",
    "FakeQualityScorer",
    "FakeReply",
    "FakeScorer",
    "RecordedRequest",
    "ReplayProvider",
    "fake_value_for_schema",
]
