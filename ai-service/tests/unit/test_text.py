"""Chunking and text helpers."""
from __future__ import annotations

from ai_service.domain.text import (
    CHARS_PER_TOKEN,
    clamp_description,
    estimate_tokens,
    group_within,
    split_into_chunks,
    split_sentences,
)


def _words(text: str) -> list[str]:
    return text.split()


def _book(paragraphs: int = 40) -> str:
    return "\n\n".join(
        " ".join(f"Sentence {p}.{s} tells of the lighthouse keeper number {p}." for s in range(6))
        for p in range(paragraphs))


def test_tokens_are_estimated_at_four_characters_each():
    assert CHARS_PER_TOKEN == 4
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2


def test_every_chunk_stays_within_the_token_budget():
    for budget in (60, 100, 333, 1000):
        chunks = split_into_chunks(_book(), budget)
        assert chunks
        assert all(estimate_tokens(c) <= budget for c in chunks)


def test_chunking_loses_no_word_and_keeps_the_order():
    text = _book() + "\n\n" + "x" * 5000 + " tail words here"
    chunks = split_into_chunks(text, 80)
    assert _words(" ".join(chunks)) == _words(text.replace("x" * 5000, " ".join(
        "x" * 320 for _ in range(15)) + " " + "x" * 200))


def test_a_text_that_fits_is_one_chunk_with_its_paragraphs():
    text = "First paragraph.\n\nSecond paragraph."
    assert split_into_chunks(text, 1000) == ["First paragraph.\n\nSecond paragraph."]


def test_chunks_are_cut_at_paragraph_boundaries_when_paragraphs_fit():
    paragraphs = [f"Paragraph {i} " + "word " * 30 + "end." for i in range(10)]
    chunks = split_into_chunks("\n\n".join(paragraphs), 100)
    for chunk in chunks:
        for part in chunk.split("\n\n"):
            assert part in paragraphs


def test_a_paragraph_longer_than_the_budget_is_cut_between_sentences():
    sentences = [f"This is sentence number {i} of a very long paragraph." for i in range(50)]
    chunks = split_into_chunks(" ".join(sentences), 60)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.endswith(".")
        assert all(s in sentences for s in split_sentences(chunk))


def test_a_word_longer_than_the_budget_is_cut_hard():
    chunks = split_into_chunks("a" * 1000, 50)
    assert [len(c) for c in chunks] == [200] * 5


def test_sentences_split_on_terminal_punctuation_without_losing_text():
    text = 'He said "Stop!" Then he left. Was it over? Yes…  It   was.'
    assert split_sentences(text) == ['He said "Stop!"', "Then he left.", "Was it over?",
                                     "Yes…", "It was."]


def test_items_are_grouped_whole_within_the_budget():
    items = ["a" * 150, "b" * 150, "c" * 150, "d" * 1000]
    groups = group_within(items, 100)  # 400 characters per group
    assert groups[0] == ["a" * 150, "b" * 150]
    assert groups[1] == ["c" * 150]
    assert "".join("".join(g) for g in groups[2:]) == "d" * 1000
    assert all(len("\n\n".join(g)) <= 400 for g in groups)


def test_a_description_has_at_most_two_sentences_and_300_characters():
    assert clamp_description("One. Two. Three.") == "One. Two."
    long_first = "A " + "very " * 100 + "long sentence. Short one."
    clamped = clamp_description(long_first)
    assert len(clamped) <= 300 and clamped.endswith("…")
    second_too_long = "Short start. " + "word " * 80 + "end."
    assert clamp_description(second_too_long) == "Short start."
    assert clamp_description('"Quoted answer."') == "Quoted answer."
