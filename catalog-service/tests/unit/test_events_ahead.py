"""Events a replica received are merged into what it reads until a load begun before the read found
them in its database."""
from decimal import Decimal

from bookstore_shared.events.contracts import BookSummarized, StockChanged
from catalog_service.domain.book import Book, Generated
from catalog_service.domain.model import StockState
from catalog_service.service_layer.events_ahead import MAX_PER_BOOK, EventsAhead


def book(*, stock: int = 10, revision: int = 1, generated: Generated | None = None) -> Book:
    return Book(id=7, title="Dune", author="Frank Herbert", price=Decimal("9.99"),
                stock=StockState(stock, 1, stock, 1, revision), pdf_key="k1",
                generated=generated or Generated(status="pending"))


def test_a_stock_report_the_database_does_not_show_yet_is_merged_into_the_read():
    ahead = EventsAhead()
    ahead.stock_changed(StockChanged(book_id=7, stock=8, stock_version=1, revision=2))
    assert ahead.apply(book(stock=10, revision=1), ahead.ticket()).stock.shown == 8
    # until the database has it
    assert ahead.apply(book(stock=10, revision=1), ahead.ticket()).stock.shown == 8


def test_once_the_database_showed_a_report_loads_begun_afterwards_take_its_word():
    ahead = EventsAhead()
    ahead.stock_changed(StockChanged(book_id=7, stock=8, stock_version=1, revision=2))
    assert ahead.apply(book(stock=8, revision=2), ahead.ticket()).stock.shown == 8
    assert ahead.apply(book(stock=10, revision=1), ahead.ticket()).stock.shown == 10


def test_a_load_begun_before_one_found_a_report_in_the_database_still_merges_it():
    """Its snapshot may predate the commit (the stall of a second replica in the e2e test)."""
    ahead = EventsAhead()
    ahead.stock_changed(StockChanged(book_id=7, stock=8, stock_version=1, revision=2))
    earlier = ahead.ticket()  # then reads revision 1
    assert ahead.apply(book(stock=8, revision=2), ahead.ticket()).stock.shown == 8
    assert ahead.apply(book(stock=10, revision=1), earlier).stock.shown == 8


def test_a_burst_of_stock_reports_leaves_a_summary_received_before_it():
    ahead = EventsAhead()
    ahead.book_summarized(BookSummarized(book_id=7, pdf_key="k1", status="ready",
                                         summary="S", description="About sand."))
    for n in range(2, 2 + 3 * MAX_PER_BOOK):
        ahead.stock_changed(StockChanged(book_id=7, stock=100 - n, stock_version=1, revision=n))
    read = ahead.apply(book(stock=10, revision=1), ahead.ticket())
    assert read.shown_description == "About sand."
    assert read.stock.shown == 100 - (1 + 3 * MAX_PER_BOOK)


def test_reports_received_out_of_order_leave_the_newest():
    ahead = EventsAhead()
    ahead.stock_changed(StockChanged(book_id=7, stock=6, stock_version=1, revision=4))
    ahead.stock_changed(StockChanged(book_id=7, stock=8, stock_version=1, revision=2))
    assert ahead.apply(book(stock=10, revision=1), ahead.ticket()).stock.shown == 6


def test_a_summary_of_the_current_pdf_fills_the_description():
    ahead = EventsAhead()
    ahead.book_summarized(BookSummarized(book_id=7, pdf_key="k1", status="ready",
                                         summary="S", description="About sand."))
    assert ahead.apply(book(), ahead.ticket()).shown_description == "About sand."


def test_a_summary_of_a_replaced_pdf_changes_nothing():
    ahead = EventsAhead()
    ahead.book_summarized(BookSummarized(book_id=7, pdf_key="old", status="ready",
                                         summary="S", description="Old."))
    assert ahead.apply(book(), ahead.ticket()).shown_description is None


def test_what_was_received_is_kept_for_a_bounded_time_only():
    now = [0.0]
    ahead = EventsAhead(keep_s=60, clock=lambda: now[0])
    ahead.stock_changed(StockChanged(book_id=7, stock=8, stock_version=1, revision=2))
    now[0] = 61.0
    assert ahead.apply(book(stock=10, revision=1), ahead.ticket()).stock.shown == 10


def test_a_deleted_book_is_forgotten():
    ahead = EventsAhead()
    ahead.stock_changed(StockChanged(book_id=7, stock=8, stock_version=1, revision=2))
    ahead.forget(7)
    assert ahead.apply(book(stock=10, revision=1), ahead.ticket()).stock.shown == 10
