"""What this process's read model learns from every change, whichever replica makes or applies it.

Each catalog process receives these on a queue of its own (no transaction, no inbox: they only
touch memory). Book changes are published after their commit, so dropping the cached answers is
enough; stock reports and summaries are noted in EventsAhead first, because one replica may
still be committing them: the next load merges them, and the dropped answer is not read back
older than the event.
"""
from __future__ import annotations

from bookstore_shared.events.contracts import (
    BookChanged,
    BookDeleted,
    BookSummarized,
    InventoryReserved,
    StockChanged,
)

from ..adapters.book_cache import BookCache
from .events_ahead import EventsAhead


def stock_reported(event: StockChanged, *, cache: BookCache, ahead: EventsAhead) -> None:
    """Inventory's report: noted before the cache drops the book, so the next load has it."""
    ahead.stock_changed(event)
    cache.changed([event.book_id])


def reserved_stock_reported(event: InventoryReserved, *, cache: BookCache,
                            ahead: EventsAhead) -> None:
    """A reservation's report of its books' stock after it, as stock_reported takes each."""
    reports = event.stock_reports()
    for report in reports:
        ahead.stock_changed(report)
    cache.changed([report.book_id for report in reports])


def summary_reported(event: BookSummarized, *, cache: BookCache, ahead: EventsAhead) -> None:
    """The ai service's texts: noted before the cache drops the book, so the next load has them."""
    ahead.book_summarized(event)
    cache.changed([event.book_id])


def book_changed(event: BookChanged, *, cache: BookCache) -> None:
    """A book added or edited by some replica (committed): its answers and every page go."""
    cache.changed([event.book_id], relisted=True)


def book_deleted(event: BookDeleted, *, cache: BookCache, ahead: EventsAhead) -> None:
    """A deleted book: nothing received for it matters any more."""
    ahead.forget(event.book_id)
    cache.changed([event.book_id], relisted=True)
