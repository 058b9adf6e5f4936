"""Stock reports and summaries this process has received that its database may not show yet.

Every catalog replica receives them on a queue of its own, while one replica, through the shared
queue, writes them to the database. Merging what a replica received into every book it reads
means it never shows a book older than an event that reached it, whichever replica commits that
event and whenever it does.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bookstore_shared.events.contracts import BookSummarized, StockChanged

from ..domain.book import Book

MAX_PER_BOOK = 8


@dataclass(frozen=True)
class _Pending:
    until: float
    merge: Callable[[Book], bool]  # applies the event; False when the book already shows it


def _stock(event: StockChanged) -> Callable[[Book], bool]:
    def merge(book: Book) -> bool:
        observed = book.stock.observe(event.stock, event.stock_version, event.revision)
        changed, book.stock = observed != book.stock, observed
        return changed

    return merge


def _summary(event: BookSummarized) -> Callable[[Book], bool]:
    def merge(book: Book) -> bool:
        before = book.generated
        book.summarized(pdf_key=event.pdf_key, status=event.status, summary=event.summary,
                        description=event.description, provider=event.provider,
                        model=event.model, error=event.error)
        return book.generated != before

    return merge


class EventsAhead:
    """Per book, the events not yet seen in the database (kept `keep_s` at most: by then the
    replica that applies them has committed, retried, or parked them)."""

    def __init__(self, *, keep_s: float = 120.0, max_books: int = 100_000,
                 clock: Callable[[], float] = time.monotonic):
        self._pending: dict[int, list[_Pending]] = {}
        self._keep, self._max_books, self._clock = keep_s, max_books, clock
        self._lock = threading.Lock()

    def stock_changed(self, event: StockChanged) -> None:
        self._add(event.book_id, _stock(event))

    def book_summarized(self, event: BookSummarized) -> None:
        self._add(event.book_id, _summary(event))

    def forget(self, book_id: int) -> None:
        with self._lock:
            self._pending.pop(book_id, None)

    def apply(self, book: Book) -> Book:
        """Bring a book read from the database up to the events received (in place)."""
        if not self._pending or book.id not in self._pending:
            return book
        now = self._clock()
        with self._lock:
            pending = self._pending.get(book.id, [])
            kept = [p for p in pending if p.until > now and p.merge(book)]
            if kept:
                self._pending[book.id] = kept
            else:
                self._pending.pop(book.id, None)
        return book

    def _add(self, book_id: int, merge: Callable[[Book], bool]) -> None:
        with self._lock:
            pending = self._pending.pop(book_id, [])
            if len(self._pending) >= self._max_books:
                self._pending.pop(next(iter(self._pending)))
            self._pending[book_id] = [*pending[-(MAX_PER_BOOK - 1):],
                                      _Pending(self._clock() + self._keep, merge)]
