"""The instructions sent to the chat model."""
from __future__ import annotations

SYSTEM = ("You summarise books for an online bookstore. Write plain prose in the language of "
          "the book: no headings, no lists, no preamble such as 'This summary'.")


def whole_book(text: str, *, words: int) -> str:
    """Summarise a book that fits in one request."""
    return (f"Summarise the following book in at most {words} words, covering it from beginning "
            f"to end.\n\n<book>\n{text}\n</book>")


def book_part(text: str, *, part: int, parts: int, words: int) -> str:
    """Summarise one part of a longer book (the map step)."""
    return (f"The following is part {part} of {parts} of a book. Summarise this part in at most "
            f"{words} words: what happens or is explained in it, and who or what it is about."
            f"\n\n<part>\n{text}\n</part>")


def combine(summaries: list[str], *, words: int, section: tuple[int, int] | None = None) -> str:
    """Merge summaries of consecutive parts (the reduce step)."""
    joined = "\n\n".join(f"<part>\n{s}\n</part>" for s in summaries)
    scope = (f"section {section[0]} of {section[1]} of a book" if section else "a whole book")
    return (f"These are summaries of consecutive parts of {scope}, in reading order. Combine "
            f"them into one coherent summary of {'that section' if section else 'the book'} in "
            f"at most {words} words, keeping the important points of every part.\n\n{joined}")


def description(summary: str) -> str:
    """A one- or two-sentence store description from the final summary."""
    return ("Write a description of this book for a store listing: one or two sentences, at most "
            "300 characters, no quotation marks.\n\n<summary>\n" + summary + "\n</summary>")
