"""The offline extractive summarizer."""
from __future__ import annotations

from ai_service.domain.extractive import content_words, summarize_extractive
from ai_service.domain.text import split_sentences

TOPICS = ["lighthouse", "harbour", "storm", "orchard", "railway", "library", "mountain", "river"]


def _page(topic: str) -> str:
    return " ".join([
        f"The {topic} keeper walked along the {topic} path every morning.",
        f"Nobody in the village knew why the {topic} mattered so much to the keeper.",
        "It was late.",
        f"Years later the {topic} was remembered by the keeper and the village alike.",
    ])


def test_the_summary_takes_sentences_from_every_part_of_the_book_in_order():
    pages = [_page(t) for t in TOPICS]
    result = summarize_extractive(pages, sentences=8)
    chosen = split_sentences(result.summary)
    assert len(chosen) == 8
    assert [next(t for t in TOPICS if t in s) for s in chosen] == TOPICS
    text = " ".join(pages)
    assert all(s in text for s in chosen)


def test_the_summary_prefers_sentences_made_of_the_books_frequent_words():
    result = summarize_extractive([_page("lighthouse")], sentences=1)
    assert "It was late." not in result.summary
    assert "keeper" in result.summary


def test_the_offline_summary_is_deterministic():
    pages = [_page(t) * 3 for t in TOPICS]
    assert summarize_extractive(pages) == summarize_extractive(list(pages))


def test_the_description_is_one_or_two_sentences_within_300_characters():
    pages = [_page(t) for t in TOPICS] + ["A " + "tremendously " * 60 + "long sentence."]
    result = summarize_extractive(pages)
    assert 0 < len(result.description) <= 300
    assert 1 <= len(split_sentences(result.description)) <= 2


def test_stopwords_and_numbers_carry_no_weight():
    assert content_words("The 2 keepers and the lighthouse of 1901") == ["keepers", "lighthouse"]


def test_a_text_without_words_gives_an_empty_summary():
    result = summarize_extractive(["12 34 56", "   "])
    assert result.summary == "" and result.description == ""
