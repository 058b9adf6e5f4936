"""The offline summarizer: extractive, deterministic, pure Python.

Sentences are scored by how frequent their content words are in the whole book; the book is cut
into equal parts and each part contributes its best sentence, so the summary covers the book from
beginning to end; the chosen sentences keep their original order.
"""
from __future__ import annotations

import math
import re

from .model import Summary
from .stopwords import STOPWORDS
from .text import clamp_description, shorten, split_paragraphs, split_sentences

_WORD = re.compile(r"[^\W\d_]{2,}")
MAX_SENTENCE_CHARS = 400


def content_words(sentence: str) -> list[str]:
    """Lower-case words of a sentence that carry meaning (no stopwords, no numbers)."""
    return [w for w in (m.group().lower() for m in _WORD.finditer(sentence)) if w not in STOPWORDS]


def _sentences(pages: list[str]) -> list[str]:
    out: list[str] = []
    for page in pages:
        for paragraph in split_paragraphs(page):
            out.extend(s for s in split_sentences(paragraph) if content_words(s))
    return out


def score_sentences(sentences: list[str]) -> list[float]:
    """Mean normalised frequency of each sentence's content words, damped for very short ones."""
    freq: dict[str, int] = {}
    words_of = [content_words(s) for s in sentences]
    for words in words_of:
        for w in words:
            freq[w] = freq.get(w, 0) + 1
    top = max(freq.values(), default=1)
    scores = []
    for words in words_of:
        if not words:
            scores.append(0.0)
            continue
        mean = sum(freq[w] for w in words) / (top * len(words))
        scores.append(mean * min(1.0, math.sqrt(len(words) / 6)))
    return scores


def default_length(sentence_count: int) -> int:
    """How many sentences a summary gets: grows slowly with the book, between 3 and 12."""
    return max(3, min(12, round(math.sqrt(sentence_count))))


def summarize_extractive(pages: list[str], *, sentences: int | None = None) -> Summary:
    """Summary (best sentence of each equal part, in order) and description (the two best)."""
    found = _sentences(pages)
    if not found:
        return Summary(summary="", description="")
    scores = score_sentences(found)
    k = min(len(found), sentences or default_length(len(found)))
    chosen: list[int] = []
    for part in range(k):
        start, end = part * len(found) // k, (part + 1) * len(found) // k
        chosen.append(max(range(start, end), key=lambda i: (scores[i], -i)))
    summary = " ".join(shorten(found[i], MAX_SENTENCE_CHARS) for i in chosen)
    best = sorted(sorted(chosen, key=lambda i: (-scores[i], i))[:2])
    description = clamp_description(" ".join(shorten(found[i], 300) for i in best))
    return Summary(summary=summary, description=description)
