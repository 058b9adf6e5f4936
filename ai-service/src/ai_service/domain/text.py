"""Token estimates, sentence splitting and chunking of book text.

Token counts are estimated, not computed: tiktoken downloads its encodings from the internet,
which production hosts may not reach. OpenAI documents ~4 characters per token for English
text; callers keep a margin for text that tokenises worse (see Settings.chunk_tokens).
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterator

CHARS_PER_TOKEN = 4

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’)\]]))\s+")
_SPACES = re.compile(r"\s+")


def estimate_tokens(text: str) -> int:
    """Estimated tokens of `text` (~4 characters each)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace into single spaces."""
    return _SPACES.sub(" ", text).strip()


def split_paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs (separated by blank lines), whitespace collapsed."""
    return [p for p in (normalize_space(x) for x in _PARAGRAPH_BREAK.split(text)) if p]


def split_sentences(text: str) -> list[str]:
    """Sentences of `text` (ending in . ! ? or …), whitespace collapsed; nothing is dropped."""
    flat = normalize_space(text)
    if not flat:
        return []
    return [s.strip() for s in _SENTENCE_END.split(flat) if s.strip()]


def _hard_split(text: str, limit: int) -> Iterator[str]:
    """Cut text with no sentence boundary at word boundaries (or mid-word if a word is huge)."""
    current = ""
    for word in text.split(" "):
        while len(word) > limit:
            if current:
                yield current
                current = ""
            yield word[:limit]
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) > limit:
            yield current
            current = word
        else:
            current = candidate
    if current:
        yield current


def _atoms(text: str, limit: int) -> Iterator[tuple[str, str]]:
    """(separator, piece) pairs, each piece within `limit` characters, in reading order."""
    for paragraph in split_paragraphs(text):
        if len(paragraph) <= limit:
            yield "\n\n", paragraph
            continue
        sep = "\n\n"
        for sentence in split_sentences(paragraph):
            for piece in ([sentence] if len(sentence) <= limit else _hard_split(sentence, limit)):
                yield sep, piece
                sep = " "


def split_into_chunks(text: str, max_tokens: int) -> list[str]:
    """Pack the text into chunks of at most `max_tokens` (estimated), cutting at paragraph
    boundaries first, then sentences, then words; every word of the text lands in one chunk."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be positive")
    limit = max_tokens * CHARS_PER_TOKEN
    chunks: list[str] = []
    current = ""
    for sep, piece in _atoms(text, limit):
        if current and len(current) + len(sep) + len(piece) <= limit:
            current += sep + piece
            continue
        if current:
            chunks.append(current)
        current = piece
    if current:
        chunks.append(current)
    return chunks


def shorten(text: str, max_chars: int) -> str:
    """`text` cut at a word boundary to at most `max_chars`, with an ellipsis when cut."""
    text = normalize_space(text)
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    if " " in cut[max_chars // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


def clamp_description(text: str, *, max_chars: int = 300, max_sentences: int = 2) -> str:
    """A store-listing description: at most two sentences and 300 characters."""
    sentences = split_sentences(text.strip().strip("\"'“”"))
    for count in range(min(max_sentences, len(sentences)), 0, -1):
        candidate = " ".join(sentences[:count])
        if len(candidate) <= max_chars:
            return candidate
    return shorten(sentences[0], max_chars) if sentences else ""


def group_within(items: list[str], max_tokens: int) -> list[list[str]]:
    """Consecutive items packed into groups of at most `max_tokens` (joined by blank lines);
    an item too long on its own is split into chunks first."""
    limit = max_tokens * CHARS_PER_TOKEN
    groups: list[list[str]] = []
    size = 0
    for item in items:
        for piece in ([item] if len(item) <= limit else split_into_chunks(item, max_tokens)):
            if groups and size + 2 + len(piece) <= limit:
                groups[-1].append(piece)
                size += 2 + len(piece)
            else:
                groups.append([piece])
                size = len(piece)
    return groups
