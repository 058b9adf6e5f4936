"""Summarise a whole book of any length with a chat model: map each chunk, reduce the partial
summaries (recursively while they are still too long for one request), then describe."""
from __future__ import annotations

from typing import Protocol

from . import prompts
from .exceptions import SummaryFailed
from .model import Summary
from .text import clamp_description, estimate_tokens, group_within, split_into_chunks

DESCRIPTION_TOKENS = 150


class ChatModel(Protocol):
    """One chat completion: instructions in, text out (raises SummaryFailed when it gives up)."""

    def complete(self, *, system: str, prompt: str, max_tokens: int) -> str: ...


class MapReduceSummarizer:
    """Chunk -> summarise every chunk -> combine -> describe, staying inside the context."""

    def __init__(self, model: ChatModel, *, chunk_tokens: int, answer_tokens: int,
                 max_depth: int = 8):
        self.model = model
        self.chunk_tokens = chunk_tokens
        self.answer_tokens = answer_tokens
        self.max_depth = max_depth

    @property
    def part_tokens(self) -> int:
        """Answer size of the map and intermediate steps: at least three fit in one request,
        so every round of combining at least halves the text."""
        return max(16, min(self.answer_tokens, self.chunk_tokens // 3))

    @staticmethod
    def _words(tokens: int) -> int:
        return max(10, tokens * 3 // 5)

    def _ask(self, prompt: str, max_tokens: int) -> str:
        answer = self.model.complete(system=prompts.SYSTEM, prompt=prompt, max_tokens=max_tokens)
        if not answer or not answer.strip():
            raise SummaryFailed("the model returned an empty answer")
        return answer.strip()

    def summarize(self, pages: list[str]) -> Summary:
        """Summary and description of the whole text of `pages`."""
        full = self.answer_tokens
        chunks = split_into_chunks("\n\n".join(pages), self.chunk_tokens)
        if not chunks:
            raise SummaryFailed("the PDF has no text to summarise")
        if len(chunks) == 1:
            summary = self._ask(prompts.whole_book(chunks[0], words=self._words(full)), full)
        else:
            part = self.part_tokens
            partials = [self._ask(prompts.book_part(c, part=i, parts=len(chunks),
                                                    words=self._words(part)), part)
                        for i, c in enumerate(chunks, start=1)]
            summary = self.reduce(partials)
        answer = self._ask(prompts.description(summary), DESCRIPTION_TOKENS)
        return Summary(summary=summary, description=clamp_description(answer))

    def reduce(self, partials: list[str], depth: int = 1) -> str:
        """One summary from partial summaries; groups them first while they do not fit at once."""
        if estimate_tokens("\n\n".join(partials)) <= self.chunk_tokens:
            full = self.answer_tokens
            return self._ask(prompts.combine(partials, words=self._words(full)), full)
        if depth >= self.max_depth:
            raise SummaryFailed("the partial summaries did not get shorter")
        groups = group_within(partials, self.chunk_tokens)
        part = self.part_tokens
        merged = [self._ask(prompts.combine(g, words=self._words(part), section=(i, len(groups))),
                            part) for i, g in enumerate(groups, start=1)]
        return self.reduce(merged, depth + 1)
