"""Events the catalog publishes (outbox → real exchange) and the ones it consumes."""
from __future__ import annotations

import time

from bookstore_shared.bus import RabbitBus
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    BookSummarized,
    OrderCancelled,
    OrderConfirmed,
    OrderLine,
    StockChanged,
)
from bookstore_shared.internal import internal_headers
from bookstore_testing.kit import apply_as_one_batch, statements_sent
from catalog_service.adapters.orm import BOOK, INBOX, OUTBOX, PDF_RIGHT
from sqlalchemy import select

from .conftest import make_pdf


def _publish(settings, *payloads) -> None:
    bus = RabbitBus(settings.rabbitmq_url, instance=settings.instance)
    try:
        bus.publish([Envelope.wrap(p, producer="tests") for p in payloads])
    finally:
        bus.stop()


def _eventually(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _pdf_key(app, book_id: int) -> str:
    with app.state.container.runtime.sessions() as s:
        return s.execute(select(BOOK.c.pdf_key).where(BOOK.c.id == book_id)).scalar_one()


def test_book_events_go_through_the_outbox_onto_the_exchange(client, app, admin, events,
                                                             new_book):
    book_id = new_book(title="Evented", price="5.50", stock="7", description="Given.")
    created = events.wait_for(lambda e: e.type == "book.created" and e.data["book_id"] == book_id)
    assert created.producer == "catalog" and created.version == 1 and created.correlation_id
    assert created.data == {"book_id": book_id, "title": "Evented", "author": "Frank Herbert",
                            "price": "5.50", "stock": 7, "stock_version": 1,
                            "pdf_key": _pdf_key(app, book_id), "pdf_changed": True,
                            "description_given": True}
    client.patch(f"/books/{book_id}", headers=admin, data={"stock": "9", "price": "6"})
    updated = events.wait_for(lambda e: e.type == "book.updated" and e.data["book_id"] == book_id)
    assert (updated.data["stock"], updated.data["stock_version"], updated.data["price"],
            updated.data["pdf_changed"]) == (9, 2, "6.00", False)
    client.patch(f"/books/{book_id}", headers=admin, data={"title": "Renamed"})
    renamed = events.wait_for(lambda e: e.type == "book.updated" and e.data["title"] == "Renamed")
    assert renamed.data["stock"] is None and renamed.data["stock_version"] is None
    client.delete(f"/books/{book_id}", headers=admin)
    deleted = events.wait_for(lambda e: e.type == "book.deleted" and e.data["book_id"] == book_id)
    assert deleted.data == {"book_id": book_id}
    with app.state.container.runtime.sessions() as s:
        ids = set(s.execute(select(OUTBOX.c.event_id)).scalars())
    assert {created.id, updated.id, renamed.id, deleted.id} <= ids


def test_a_summary_fills_the_summary_and_the_description(client, app, settings, user,
                                                         new_book):
    book_id = new_book()
    assert client.get(f"/books/{book_id}/summary", headers=user).json() == {"status": "pending"}
    assert client.get(f"/books/{book_id}/summary", headers=user).status_code == 202
    _publish(settings, BookSummarized(book_id=book_id, pdf_key=_pdf_key(app, book_id),
                                      status="ready", summary="A long tale.",
                                      description="Short.", provider="offline",
                                      model="extractive"))

    def ready():
        r = client.get(f"/books/{book_id}/summary", headers=user)
        assert (r.status_code, r.json()) == (200, {"summary": "A long tale."})

    _eventually(ready)
    assert client.get(f"/books/{book_id}/description", headers=user).json() == {
        "description": "Short."}
    assert client.get(f"/books/{book_id}").json()["description"] == "Short."
    with app.state.container.runtime.sessions() as s:
        row = s.execute(select(BOOK.c.ai_provider, BOOK.c.ai_model)
                        .where(BOOK.c.id == book_id)).one()
    assert tuple(row) == ("offline", "extractive")


def test_a_summary_of_a_replaced_pdf_is_ignored(client, app, settings, admin, user, new_book):
    book_id = new_book()
    old_key = _pdf_key(app, book_id)
    client.patch(f"/books/{book_id}", headers=admin,
                 files={"pdf": ("v2.pdf", make_pdf(2), "application/pdf")})
    new_key = _pdf_key(app, book_id)
    _publish(settings, BookSummarized(book_id=book_id, pdf_key=old_key, status="ready",
                                      summary="Stale."),
             BookSummarized(book_id=book_id, pdf_key=new_key, status="no_text"))

    def no_text():
        r = client.get(f"/books/{book_id}/summary", headers=user)
        assert r.status_code == 409
        assert r.json() == {"message": "No text could be extracted from this PDF",
                            "status": "no_text"}

    _eventually(no_text)


def test_a_failed_summary_is_reported_and_an_admin_can_regenerate_it(client, app, settings,
                                                                     admin, user, events,
                                                                     new_book):
    book_id = new_book()
    key = _pdf_key(app, book_id)
    _publish(settings, BookSummarized(book_id=book_id, pdf_key=key, status="failed",
                                      error="provider answered 500"))

    def failed():
        r = client.get(f"/books/{book_id}/summary", headers=user)
        assert r.status_code == 503
        assert r.json() == {"message": "Summary generation failed", "status": "failed",
                            "error": "provider answered 500"}

    _eventually(failed)
    r = client.post(f"/books/{book_id}/summary", headers=admin)
    assert (r.status_code, r.json()) == (202, {"status": "pending"})
    again = events.wait_for(lambda e: e.type == "book.updated" and e.data["book_id"] == book_id)
    assert again.data["pdf_changed"] is True and again.data["pdf_key"] == key
    assert client.get(f"/books/{book_id}/summary", headers=user).status_code == 202


def test_inventory_reports_feed_the_stock_shown(client, settings, admin, new_book):
    book_id = new_book(stock="10")
    client.patch(f"/books/{book_id}", headers=admin, data={"stock": "20"})  # version 2
    _publish(settings, StockChanged(book_id=book_id, stock=9, stock_version=1))
    time.sleep(0.5)
    assert client.get(f"/books/{book_id}").json()["stock"] == 20  # older than what we wrote
    # inventory numbers its reports per book; consumer threads may apply them in any order
    _publish(settings, StockChanged(book_id=book_id, stock=20, stock_version=2, revision=2),
             StockChanged(book_id=book_id, stock=17, stock_version=2, revision=3))

    def reserved():
        assert client.get(f"/books/{book_id}").json()["stock"] == 17

    _eventually(reserved)


def test_a_confirmed_order_lets_its_buyer_download_the_pdf(client, settings, admin, tokens,
                                                           new_book):
    pdf = make_pdf(3)
    book_id = new_book(pdf=pdf)
    buyer, other = tokens.headers(501), tokens.headers(502)
    r = client.get(f"/books/{book_id}/pdf", headers=buyer)
    assert r.status_code == 403
    assert r.json()["message"] == "Purchase required"
    assert client.get(f"/books/{book_id}/pdf", headers=admin).content == pdf
    _publish(settings, OrderConfirmed(order_id=77, user_id=501,
                                      items=[OrderLine(book_id=book_id, quantity=1)]))

    def downloadable():
        r = client.get(f"/books/{book_id}/pdf", headers=buyer)
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/pdf"
        assert r.content == pdf

    _eventually(downloadable)
    assert client.get(f"/books/{book_id}/pdf", headers=other).status_code == 403
    assert client.get(f"/books/{book_id}/pdf").status_code == 401
    assert client.get(f"/internal/books/{book_id}/pdf").status_code == 401
    assert client.get(f"/internal/books/{book_id}/pdf",
                      headers=internal_headers(settings)).content == pdf


def test_cancelling_withdraws_the_pdf_right_and_another_live_order_keeps_it(
        client, settings, tokens, new_book):
    book_id, late = new_book(pdf=make_pdf(1)), new_book(pdf=make_pdf(1))
    buyer = tokens.headers(601)
    lines = [OrderLine(book_id=book_id, quantity=1)]

    def pdf_status(book: int) -> int:
        return client.get(f"/books/{book}/pdf", headers=buyer).status_code

    def cancelled(order_id: int, items) -> OrderCancelled:
        return OrderCancelled(order_id=order_id, user_id=601, reason="cancelled_by_user",
                              previous_status="PROCESSING", items=items)

    _publish(settings, OrderConfirmed(order_id=81, user_id=601, items=lines),
             OrderConfirmed(order_id=82, user_id=601, items=lines))
    _eventually(lambda: _is(pdf_status(book_id), 200))
    _publish(settings, cancelled(81, lines))  # order 82 still holds the book
    time.sleep(1.0)
    assert pdf_status(book_id) == 200
    _publish(settings, cancelled(82, lines))
    _eventually(lambda: _is(pdf_status(book_id), 403))
    # a cancellation handled before its confirmation: the late confirmation grants nothing
    late_lines = [OrderLine(book_id=late, quantity=1)]
    _publish(settings, cancelled(83, late_lines), OrderConfirmed(order_id=83, user_id=601,
                                                                 items=late_lines))
    time.sleep(1.0)
    assert pdf_status(late) == 403


def _is(actual, expected) -> None:
    assert actual == expected, actual


def test_granting_a_right_the_order_already_has_or_had_withdrawn_changes_nothing(app, new_book):
    """A unit of work's grants are one statement at COMMIT (INSERT IGNORE / OR IGNORE): an
    existing row stays as it is."""
    book_id, withdrawn_first = new_book(pdf=make_pdf(1)), new_book(pdf=make_pdf(1))

    def rights(uow) -> dict:
        return {(r.order_id, r.book_id): (r.granted_at is not None, r.withdrawn_at is not None)
                for r in uow.session.execute(select(PDF_RIGHT).where(
                    PDF_RIGHT.c.book_id.in_([book_id, withdrawn_first])))}

    container = app.state.container
    with container.uow() as uow:
        uow.books.withdraw_pdf(user_id=701, book_id=withdrawn_first, order_id=92)
        with statements_sent(container.runtime.engine, "pdf_right") as grants:
            uow.books.grant_pdf(user_id=701, book_id=book_id, order_id=91)
            uow.books.grant_pdf(user_id=701, book_id=book_id, order_id=91)  # the same book twice
            uow.commit()
        assert len(grants) == 1 and grants[0].startswith("INSERT"), grants
    with app.state.container.uow() as uow:
        uow.books.grant_pdf(user_id=701, book_id=book_id, order_id=91)  # redelivered
        uow.books.grant_pdf(user_id=701, book_id=withdrawn_first, order_id=92)  # too late
        uow.commit()
        assert rights(uow) == {(91, book_id): (True, False), (92, withdrawn_first): (False, True)}
        assert uow.books.may_download(user_id=701, book_id=book_id)
        assert not uow.books.may_download(user_id=701, book_id=withdrawn_first)


def test_a_batch_of_stock_reports_locks_its_books_in_one_statement(app, client, new_book):
    first, second = new_book(stock="10"), new_book(stock="10")
    container = app.state.container
    engine = container.runtime.engine
    with (statements_sent(engine, "FOR UPDATE") as locks,
          statements_sent(engine, "UPDATE book") as writes):
        apply_as_one_batch(container, INBOX,
                           StockChanged(book_id=first, stock=9, stock_version=1, revision=2),
                           StockChanged(book_id=second, stock=8, stock_version=1, revision=2),
                           StockChanged(book_id=10**9, stock=1, stock_version=1, revision=2),
                           # the same book again: it sees the report above
                           StockChanged(book_id=first, stock=7, stock_version=1, revision=3))
    # one statement locks the three books (the one that came back is answered from what the
    # batch keeps), one writes the batch's stock, at COMMIT
    assert len(locks) == 1 and " IN (" in locks[0], locks
    assert len(writes) == 1, writes
    assert [client.get(f"/books/{b}").json()["stock"] for b in (first, second)] == [7, 8]
