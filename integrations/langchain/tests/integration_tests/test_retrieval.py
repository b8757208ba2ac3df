"""What RoutedChatModel scores in a retrieval chain: the question, not the retrieved context."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnablePassthrough
from langchain_core.vectorstores import InMemoryVectorStore
from langchain_routed_llm import RoutedChatModel

from routed_llm import routing_text
from routed_llm.testing import FakeProvider, FakeScorer

CONTEXT = [
    Document("To prove the lemma, prove first that every bounded sequence has a convergent subsequence."),
    Document("The proof of the theorem needs the lemma and a careful epsilon-delta argument."),
]
QUESTION = "hi, what is this about?"


@pytest.fixture
def provider(fake_provider: FakeProvider) -> FakeProvider:
    fake_provider.clear()
    return fake_provider


def rag_chain(llm: RoutedChatModel, prompt: ChatPromptTemplate) -> Runnable[str, str]:
    """LangChain's retrieval idiom: retrieve, fill the prompt, call the model."""
    retriever = InMemoryVectorStore.from_documents(CONTEXT, DeterministicFakeEmbedding(size=16)).as_retriever(k=2)

    def join(documents: list[Document]) -> str:
        return "\n".join(document.page_content for document in documents)

    return {"context": retriever | join, "question": RunnablePassthrough()} | prompt | llm | StrOutputParser()


def make(provider: FakeProvider, scorer: FakeScorer, **fields: Any) -> RoutedChatModel:
    return RoutedChatModel(strong="openai/strong-model", weak="openai/weak-model", scorer=scorer, threshold=0.5,
                           api_base=provider.base_url, api_key="k", max_retries=0, **fields)


def test_context_in_the_system_turn_leaves_the_question_to_be_scored(provider: FakeProvider) -> None:
    scorer = FakeScorer({"prove": 0.9}, default=0.1)  # the context says "prove"; the question does not
    prompt = ChatPromptTemplate.from_messages([("system", "Answer from this context:\n{context}"), ("human", "{question}")])
    assert rag_chain(make(provider, scorer), prompt).invoke(QUESTION) == "Answer from weak-model."
    assert scorer.seen == [QUESTION]  # the last human turn (prompt_view="last_user")
    assert "every bounded sequence" in str(provider.requests[-1].body["messages"])


async def test_context_in_the_human_turn_is_scored_unless_routing_text_names_the_question(
    provider: FakeProvider,
) -> None:
    scorer = FakeScorer({"prove": 0.9}, default=0.1)
    prompt = ChatPromptTemplate.from_messages([("human", "Context:\n{context}\n\nQuestion: {question}")])
    chain = rag_chain(make(provider, scorer), prompt)
    assert chain.invoke(QUESTION) == "Answer from strong-model."  # the whole filled-in turn was scored
    with routing_text(QUESTION):
        assert chain.invoke(QUESTION) == "Answer from weak-model."
        assert await chain.ainvoke(QUESTION) == "Answer from weak-model."
        assert "".join(chain.stream(QUESTION)) == "Answer from weak-model."
    assert scorer.seen[1:] == [QUESTION] * 3 and "every bounded sequence" in scorer.seen[0]
