"""A replica's loads against a database another replica commits to, interleaved step by step.

The stock report below reached this replica (its own queue) while another replica, which took it
from the shared queue, was about to commit it. A load whose database snapshot is older than that
commit must still show the report, and must not be kept showing less, even when another load of
this process, begun later, already read the committed report back from the database.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Self

import orjson
import pytest
from bookstore_shared.events.contracts import StockChanged
from catalog_service.adapters.book_cache import BookCache, Rendered
from catalog_service.adapters.repository import BookPage
from catalog_service.domain.book import Book, Generated
from catalog_service.domain.model import StockState
from catalog_service.entrypoints.reads import BookReads
from catalog_service.service_layer import replica_feed
from catalog_service.service_layer.events_ahead import EventsAhead


def stored(stock: int, revision: int, generated: Generated | None = None) -> Book:
    return Book(id=7, title="Dune", author="Frank Herbert", price=Decimal("9.99"),
                stock=StockState(stock, 1, stock, 1, revision), pdf_key="k1",
                generated=generated or Generated(status="pending"))


class Database:
    """The shared database's row of book 7, as committed. `meanwhile` runs once, right after the
    next unit of work has taken its snapshot (REPEATABLE READ: it keeps reading that one)."""

    def __init__(self, row: Book):
        self.row = row
        self.meanwhile: Callable[[], None] | None = None


class Snapshot:
    """A unit of work of the read path: a copy of the row as committed when it first reads."""

    def __init__(self, db: Database):
        self.db, self.books = db, self

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def _read(self) -> Book:
        row = copy.deepcopy(self.db.row)
        meanwhile, self.db.meanwhile = self.db.meanwhile, None
        if meanwhile is not None:
            meanwhile()
        return row

    def get(self, book_id: int, *, for_update: bool = False) -> Book | None:
        return self._read() if book_id == 7 else None

    def search(self, *, q, author, limit, offset) -> BookPage:
        return BookPage([self._read()], 1)


def stock_of(rendered: Rendered | None) -> int | None:
    if rendered is None:
        return None
    body = orjson.loads(rendered.body)
    return (body[0] if isinstance(body, list) else body)["stock"]


def load(reads: BookReads, how: str) -> Rendered:
    if how == "item":
        return reads.load_item(7)
    return reads.load_page(("q", "Dune"), q="Dune", author=None, limit=20, offset=0)


@pytest.mark.parametrize("first", ["item", "page"])
@pytest.mark.parametrize("second", ["item", "page"])
def test_a_load_that_read_the_database_before_it_caught_up_shows_the_report_and_keeps_nothing_older(
        first, second):
    db = Database(stored(stock=970, revision=1029))
    cache, ahead = BookCache(), EventsAhead()
    reads = BookReads(uow=lambda: Snapshot(db), cache=cache, ahead=ahead)
    replica_feed.stock_reported(StockChanged(book_id=7, stock=969, stock_version=1,
                                             revision=1030), cache=cache, ahead=ahead)
    later = []

    def other_replica_commits_then_another_load_reads_it_back() -> None:
        db.row = stored(stock=969, revision=1030)
        later.append(load(reads, second))

    db.meanwhile = other_replica_commits_then_another_load_reads_it_back
    earlier = load(reads, first)  # its snapshot: revision 1029

    assert stock_of(later[0]) == 969
    assert stock_of(earlier) == 969  # served: the report had reached this replica
    assert stock_of(cache.item(7)) in (None, 969)  # and nothing older kept
    assert stock_of(cache.page(("q", "Dune"))) in (None, 969)
    assert stock_of(reads.load_item(7)) == 969
    assert stock_of(load(reads, "page")) == 969

