"""Errors of the inventory domain."""
from __future__ import annotations

# The kit's one "not yet" exception: the bus redelivers the event with backoff.
from bookstore_shared.kit.registry import RetryLater

__all__ = ["BookNotKnownYet", "RetryLater", "StockConflict"]


class BookNotKnownYet(RetryLater):
    """An order names a book whose catalog event has not arrived yet."""

    def __init__(self, book_ids: list[int]):
        super().__init__(f"books not known yet: {book_ids}")
        self.book_ids = book_ids


class StockConflict(RetryLater):
    """A conditional stock update matched no row (a concurrent writer won); try again."""
