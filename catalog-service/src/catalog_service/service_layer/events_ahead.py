"""Stock reports and summaries this process has received that its database may not show yet.

Every catalog replica receives them on a queue of its own, while one replica, through the shared
queue, writes them to the database. Merging what a replica received into every book it reads
means it never shows a book older than an event that reached it, whichever replica commits that
event and whenever it does.

A load that reads an event back from the database shows that the database has it only to loads
that begin after it: one begun before may hold an older snapshot, taken before the commit, and
still needs the event merged (or it serves, and keeps, a book older than the event). So such an
event is not forgotten then; loads whose ticket is at least the mark it got skip it, older ones
still merge it, until it expires.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bookstore_shared.events.contracts import BookSummarized, StockChanged

from ..domain.book import Book

MAX_PER_BOOK = 8  # of each kind: a burst of stock reports never pushes out a summary


@dataclass(eq=False)
class _Pending:
    until: float
    kind: str
    merge: Callable[[Book], bool]  # applies the event; False when the book already shows it
    shown_from: int | None = None  # loads with a ticket at least this read it in the database


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
    """Per book, the events received; each is merged into every load but those begun after
    another load found it in the database (kept `keep_s` at most: by then the replica that
    applies them has committed, retried, or parked them)."""

    def __init__(self, *, keep_s: float = 120.0, max_books: int = 100_000,
                 clock: Callable[[], float] = time.monotonic):
        self._pending: dict[int, list[_Pending]] = {}
        self._keep, self._max_books, self._clock = keep_s, max_books, clock
        self._lock = threading.Lock()
        self._seq = 0  # counts loads that found an event in the database

    def stock_changed(self, event: StockChanged) -> None:
        self._add(event.book_id, "stock", _stock(event))

    def book_summarized(self, event: BookSummarized) -> None:
        self._add(event.book_id, "summary", _summary(event))

    def forget(self, book_id: int) -> None:
        with self._lock:
            self._pending.pop(book_id, None)

    def ticket(self) -> int:
        """Take before reading the database; pass to `apply` with each book read."""
        return self._seq

    def apply(self, book: Book, ticket: int) -> Book:
        """Bring a book read from the database (by a load that took `ticket` before it began)
        up to the events received (in place)."""
        if not self._pending or book.id not in self._pending:
            return book
        now = self._clock()
        with self._lock:
            pending = [p for p in self._pending.get(book.id, []) if p.until > now]
            for p in pending:
                if p.shown_from is not None and ticket >= p.shown_from:
                    continue  # this load's snapshot began after one that showed it
                if not p.merge(book) and p.shown_from is None:
                    # The book shows it already: the database has it (loads begun from now on
                    # read it there), or an event merged above, still pending, supersedes it.
                    self._seq += 1
                    p.shown_from = self._seq
            if pending:
                self._pending[book.id] = pending
            else:
                self._pending.pop(book.id, None)
        return book

    def _add(self, book_id: int, kind: str, merge: Callable[[Book], bool]) -> None:
        with self._lock:
            pending = self._pending.pop(book_id, [])
            if len(self._pending) >= self._max_books:
                self._pending.pop(next(iter(self._pending)))
            same = [p for p in pending if p.kind == kind]
            if len(same) >= MAX_PER_BOOK:  # the oldest of its kind goes
                pending = [p for p in pending if p is not same[0]]
            pending.append(_Pending(self._clock() + self._keep, kind, merge))
            self._pending[book_id] = pending
