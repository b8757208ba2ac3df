"""Shared fixtures: the loopback fake provider and the location of the benchmark data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# litellm downloads its price map at import unless told otherwise; tests stay offline.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest  # noqa: E402

from routed_llm.testing import FakeProvider  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"benchmark data not found at {SHARED_DATA} (../shared/data beside the repo)")
    return SHARED_DATA


TINY_BERT_WORDS = "the a cat dog prove theorem integral hello hi what is sum of thanks lemma derive".split()


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised one-layer BERT (a Hugging Face folder) whose vocabulary holds
    ``TINY_BERT_WORDS``: what the neural routers' tests train in seconds."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    directory = tmp_path_factory.mktemp("tiny-bert")
    (directory / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *TINY_BERT_WORDS]) + "\n")
    tokenizer = transformers.BertTokenizer(vocab=str(directory / "vocab.txt"))
    tokenizer.save_pretrained(directory)
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1,
                                     num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    transformers.BertModel(config).save_pretrained(directory)
    return directory
