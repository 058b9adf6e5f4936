"""Map-reduce orchestration with a fake chat model."""
from __future__ import annotations

import re

import pytest
from ai_service.domain.exceptions import SummaryFailed
from ai_service.domain.mapreduce import MapReduceSummarizer
from ai_service.domain.text import estimate_tokens


class FakeChat:
    """Answers with a digest naming the markers it saw (cut at max_tokens); records prompts."""

    def __init__(self, answer_words: int = 5, description: str = "A fine book. Read it."):
        self.prompts: list[str] = []
        self.answer_words = answer_words
        self.description = description

    def complete(self, *, system: str, prompt: str, max_tokens: int) -> str:
        self.prompts.append(prompt)
        if prompt.startswith("Write a description"):
            return self.description
        markers = sorted(set(re.findall(r"MARK\d+", prompt)), key=lambda m: int(m[4:]))
        answer = " ".join(markers) + " " + "filler " * self.answer_words
        return answer[: max_tokens * 4]  # a real model stops at max_tokens


def _pages(count: int, words_per_page: int = 300) -> list[str]:
    return [f"Page MARK{i} begins. " + "The story goes on. " * (words_per_page // 4)
            for i in range(count)]


def test_a_short_book_is_summarised_in_one_request_then_described():
    chat = FakeChat()
    result = MapReduceSummarizer(chat, chunk_tokens=10_000, answer_tokens=200).summarize(
        _pages(3))
    assert len(chat.prompts) == 2
    assert chat.prompts[0].startswith("Summarise the following book")
    assert result.summary.startswith("MARK0 MARK1 MARK2")
    assert result.description == "A fine book. Read it."


def test_every_chunk_of_a_long_book_reaches_the_model_and_the_parts_are_combined():
    chat = FakeChat()
    pages = _pages(12)
    result = MapReduceSummarizer(chat, chunk_tokens=500, answer_tokens=100).summarize(pages)
    part_prompts = [p for p in chat.prompts if p.startswith("The following is part")]
    assert len(part_prompts) > 3
    assert all(estimate_tokens(p.split("<part>\n", 1)[1]) <= 500 + 5 for p in part_prompts)
    seen = " ".join(part_prompts)
    assert all(f"MARK{i} " in seen for i in range(12))
    assert all(f"part {i} of {len(part_prompts)}" in p
               for i, p in enumerate(part_prompts, start=1))
    combine = [p for p in chat.prompts if p.startswith("These are summaries")]
    assert len(combine) == 1 and "of a whole book" in combine[0]
    assert all(f"MARK{i}" in result.summary for i in range(12))


def test_partial_summaries_too_long_for_one_request_are_combined_recursively():
    chat = FakeChat(answer_words=200)  # as long as max_tokens allows
    result = MapReduceSummarizer(chat, chunk_tokens=200, answer_tokens=100).summarize(
        _pages(20, words_per_page=120))
    sections = [p for p in chat.prompts if "section" in p.split("\n", 1)[0]]
    assert sections, "the partial summaries should have been merged in sections first"
    final = [p for p in chat.prompts if "of a whole book" in p]
    assert len(final) == 1
    assert estimate_tokens(final[0]) < 200 + 200
    assert all(f"MARK{i}" in result.summary for i in range(20))


def test_summaries_that_never_get_shorter_fail_instead_of_looping():
    class Echo(FakeChat):
        def complete(self, *, system, prompt, max_tokens):
            return prompt * 2

    with pytest.raises(SummaryFailed):
        MapReduceSummarizer(Echo(), chunk_tokens=100, answer_tokens=64, max_depth=3).summarize(
            _pages(5))


def test_an_empty_answer_is_a_failure():
    class Silent(FakeChat):
        def complete(self, *, system, prompt, max_tokens):
            return "  "

    with pytest.raises(SummaryFailed, match="empty answer"):
        MapReduceSummarizer(Silent(), chunk_tokens=1000, answer_tokens=64).summarize(["Text."])


def test_the_description_from_the_model_is_clamped_to_two_sentences_and_300_characters():
    chat = FakeChat(description="One. Two. Three. " + "Four " * 100)
    result = MapReduceSummarizer(chat, chunk_tokens=1000, answer_tokens=64).summarize(["Text."])
    assert result.description == "One. Two."
    chat = FakeChat(description="word " * 200)
    result = MapReduceSummarizer(chat, chunk_tokens=1000, answer_tokens=64).summarize(["Text."])
    assert len(result.description) <= 300
