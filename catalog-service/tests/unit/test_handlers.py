"""The catalog's event handlers on the fake unit of work, dispatched through the real registry."""
from bookstore_shared.events.contracts import (
    BookStock,
    BookSummarized,
    InventoryReserved,
    StockChanged,
)
from catalog_service.domain.book import Generated
from catalog_service.entrypoints.consumers import HANDLERS


def test_the_catalog_queue_is_bound_only_to_the_events_it_applies():
    assert HANDLERS.routing_keys() == ["book.summarized", "inventory.reserved",
                                       "inventory.stock_changed", "order.cancelled",
                                       "order.confirmed"]


def test_a_summary_of_the_current_pdf_fills_the_generated_texts(make_uow, ev):
    uow = make_uow(ev.book(1, pdf_key="k1"))

    emitted = ev.handle(uow, BookSummarized(book_id=1, pdf_key="k1", status="ready",
                                            summary="A tale.", description="Short.",
                                            provider="offline", model="extractive"))

    assert emitted == []
    assert uow.books.books[1].generated == Generated("ready", "A tale.", "Short.", "offline",
                                                     "extractive")


def test_a_summary_of_a_replaced_pdf_changes_nothing(make_uow, ev):
    uow = make_uow(ev.book(1, pdf_key="k2"))

    ev.handle(uow, BookSummarized(book_id=1, pdf_key="k1", status="ready", summary="Stale."))

    assert uow.books.books[1].generated == Generated(status="pending")
    assert uow.books.saved == []


def test_a_failed_summary_keeps_the_error_and_no_text(make_uow, ev):
    uow = make_uow(ev.book(1, pdf_key="k1"))

    ev.handle(uow, BookSummarized(book_id=1, pdf_key="k1", status="failed", error="500"))

    assert uow.books.books[1].generated == Generated("failed", error="500")


def test_events_about_unknown_books_are_applied_as_nothing(make_uow, ev):
    uow = make_uow()

    ev.handle(uow, StockChanged(book_id=9, stock=1, stock_version=1),
              BookSummarized(book_id=9, pdf_key="k", status="no_text"))

    assert uow.books.books == {} and uow.commits == 2


def test_stock_reports_feed_the_stock_shown_and_older_ones_are_ignored(make_uow, ev):
    uow = make_uow(ev.book(1, stock=10))

    ev.handle(uow, StockChanged(book_id=1, stock=7, stock_version=1, revision=3),
              StockChanged(book_id=1, stock=9, stock_version=1, revision=2))

    assert uow.books.books[1].stock.shown == 7
    assert uow.books.saved == [1]  # the older report wrote nothing


def test_a_reservation_reports_its_books_stock_by_the_same_rules(make_uow, ev):
    """The stock after a reservation travels in it (no stock_changed of its own); each book is
    applied as a stock report would be: book 2's report is older than what is shown."""
    uow = make_uow(ev.book(1, stock=10), ev.book(2, stock=10))
    ev.handle(uow, StockChanged(book_id=2, stock=6, stock_version=1, revision=4))

    ev.handle(uow, InventoryReserved(order_id=5, items=ev.confirmed(5, 1, 1, 2).items, stock_after=[
        BookStock(book_id=1, stock=9, stock_version=1, revision=2),
        BookStock(book_id=2, stock=5, stock_version=1, revision=3),
        BookStock(book_id=9, stock=1, stock_version=1, revision=2)]))  # unknown: nothing

    assert (uow.books.books[1].stock.shown, uow.books.books[2].stock.shown) == (9, 6)
    assert 9 not in uow.books.books


def test_an_admins_newer_stock_wins_over_a_report_about_an_older_version(make_uow, ev):
    book = ev.book(1, stock=10)
    book.stock = book.stock.publish(20)  # version 2, not yet seen by inventory
    uow = make_uow(book)

    ev.handle(uow, StockChanged(book_id=1, stock=9, stock_version=1, revision=5))

    assert uow.books.books[1].stock.shown == 20


def test_a_confirmed_order_lets_its_buyer_download_each_book_once(make_uow, ev):
    uow = make_uow(ev.book(1), ev.book(2, title="Emma"))

    ev.handle(uow, ev.confirmed(77, 501, 1, 2, 1), ev.confirmed(77, 501, 1, 2, 1))

    assert uow.books.may_download(user_id=501, book_id=1)
    assert uow.books.may_download(user_id=501, book_id=2)
    assert not uow.books.may_download(user_id=502, book_id=1)
    assert sorted(uow.books.rights) == [(77, 1), (77, 2)]


def test_cancelling_withdraws_the_right_while_another_live_order_keeps_it(make_uow, ev):
    uow = make_uow(ev.book(1))
    ev.handle(uow, ev.confirmed(81, 601, 1), ev.confirmed(82, 601, 1))

    ev.handle(uow, ev.cancelled(81, 601, 1))
    assert uow.books.may_download(user_id=601, book_id=1)

    ev.handle(uow, ev.cancelled(82, 601, 1))
    assert not uow.books.may_download(user_id=601, book_id=1)


def test_a_cancellation_before_its_confirmation_leaves_nothing_to_download(make_uow, ev):
    uow = make_uow(ev.book(1))

    ev.handle(uow, ev.cancelled(83, 601, 1), ev.confirmed(83, 601, 1))

    assert not uow.books.may_download(user_id=601, book_id=1)
