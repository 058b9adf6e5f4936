"""Each process's own `catalog.replica` queue: which events it hears and what they do to its cache."""
from decimal import Decimal

import pytest
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    BookDeleted,
    BookStock,
    BookSummarized,
    BookUpdated,
    InventoryReserved,
    OrderLine,
    StockChanged,
)
from catalog_service.adapters.book_cache import BookCache, Rendered
from catalog_service.domain.book import Book, Generated
from catalog_service.domain.model import StockState
from catalog_service.entrypoints.consumers import REPLICA_QUEUE, subscribe_replica
from catalog_service.service_layer.events_ahead import EventsAhead


class RecordingBus:
    def subscribe(self, queue, patterns, handler, *, exclusive=False, on_connection=None):
        self.queue, self.patterns, self.handler = queue, patterns, handler
        self.exclusive, self.on_connection = exclusive, on_connection


@pytest.fixture
def replica():
    bus, cache, ahead = RecordingBus(), BookCache(), EventsAhead()
    subscribe_replica(bus, cache, ahead)

    def deliver(*payloads):
        for payload in payloads:
            bus.handler(Envelope.wrap(payload, producer="tests"))

    return bus, cache, ahead, deliver


def cache_book_and_page(cache: BookCache, book_id: int = 7) -> None:
    ticket = cache.ticket()
    cache.keep_item(ticket, book_id, Rendered(b"{}", '"i"'))
    cache.keep_page(ticket, ("q",), Rendered(b"[]", '"p"', 1, (book_id,)))
    cache.keep_page(ticket, ("other",), Rendered(b"[]", '"o"', 0, ()))


def stored_book() -> Book:
    return Book(id=7, title="Dune", author="A", price=Decimal(9), pdf_key="k1",
                stock=StockState(10, 1, 10, 1, 1), generated=Generated(status="pending"))


def test_every_process_hears_every_change_on_a_queue_of_its_own(replica):
    bus, cache, _, _ = replica
    assert (bus.queue, bus.exclusive) == (REPLICA_QUEUE, True)
    assert bus.patterns == ["book.created", "book.deleted", "book.summarized", "book.updated",
                            "inventory.reserved", "inventory.stock_changed"]
    assert bus.on_connection == cache.receiving


def test_a_stock_report_drops_the_book_and_its_pages_and_is_merged_into_the_next_load(replica):
    _, cache, ahead, deliver = replica
    cache_book_and_page(cache)

    deliver(StockChanged(book_id=7, stock=4, stock_version=1, revision=2))

    assert cache.item(7) is None and cache.page(("q",)) is None
    assert cache.page(("other",)) is not None  # a page without the book stays
    assert ahead.apply(stored_book(), ahead.ticket()).stock.shown == 4


def test_a_reservations_stock_report_is_heard_like_a_stock_report(replica):
    _, cache, ahead, deliver = replica
    cache_book_and_page(cache)

    deliver(InventoryReserved(order_id=3, items=[OrderLine(book_id=7, quantity=6)],
                              stock_after=[BookStock(book_id=7, stock=4, stock_version=1,
                                                     revision=2)]))

    assert cache.item(7) is None and cache.page(("q",)) is None
    assert cache.page(("other",)) is not None
    assert ahead.apply(stored_book(), ahead.ticket()).stock.shown == 4


def test_a_summary_is_merged_into_the_next_load(replica):
    _, cache, ahead, deliver = replica
    cache_book_and_page(cache)

    deliver(BookSummarized(book_id=7, pdf_key="k1", status="ready", summary="S",
                           description="D"))

    assert cache.item(7) is None
    assert ahead.apply(stored_book(), ahead.ticket()).generated.description == "D"


def test_an_edited_book_drops_every_page(replica):
    _, cache, _, deliver = replica
    cache_book_and_page(cache)

    deliver(BookUpdated(book_id=7, title="T", author="A", price=Decimal(1)))

    assert cache.item(7) is None and cache.page(("other",)) is None


def test_a_deleted_book_forgets_what_was_received_for_it(replica):
    _, cache, ahead, deliver = replica
    deliver(StockChanged(book_id=7, stock=4, stock_version=1, revision=2))
    cache_book_and_page(cache)

    deliver(BookDeleted(book_id=7))

    assert ahead.apply(stored_book(), ahead.ticket()).stock.shown == 10
    assert cache.page(("other",)) is None
