"""Which books a unit of work changes, told to this process's BookCache around its commit.

The cache must drop a book twice: as its transaction is about to commit (a load in between is
served but not kept) and once the transaction has ended. The unit of work calls `committing`
around its COMMIT and `ended` after a rollback; the repository calls `record` for every write.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .book_cache import BookCache


@dataclass
class BookChanges:
    """Books written in the current transaction; `relisted`: which books a query finds may differ."""

    books: set[int] = field(default_factory=set)
    relisted: bool = False

    def record(self, book_id: int, *, relisted: bool = False) -> None:
        """Note a write of the book in this transaction (the repository calls this)."""
        self.books.add(book_id)
        self.relisted = self.relisted or relisted

    def _take(self) -> tuple[tuple[int, ...], bool]:
        books, relisted = tuple(self.books), self.relisted
        self.books, self.relisted = set(), False
        return books, relisted

    @contextmanager
    def committing(self, cache: BookCache) -> Iterator[None]:
        """Around the COMMIT: the books are being written until it returns or fails."""
        if not self.books:
            yield
            return
        books, relisted = self._take()
        cache.begin(books, relisted=relisted)
        try:
            yield
        finally:
            cache.end(books, relisted=relisted, begun=True)

    def ended(self, cache: BookCache) -> None:
        """The transaction rolled back: the books are dropped all the same (one reload each, as
        the cache always did after a write that did not commit)."""
        if self.books:
            books, relisted = self._take()
            cache.end(books, relisted=relisted, begun=False)
