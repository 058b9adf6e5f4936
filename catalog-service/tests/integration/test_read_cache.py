"""Books served from memory (real MySQL and RabbitMQ): ETags, 304s, and every change seen at once."""
from __future__ import annotations

import time
import uuid

from bookstore_shared.bus import RabbitBus
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import BookSummarized, StockChanged
from catalog_service.adapters.orm import BOOK, INBOX
from sqlalchemy import select


def _applied(app, *payloads, timeout: float = 10.0) -> None:
    """Publish events to the catalog and return once its consumer has committed every one."""
    envelopes = [Envelope.wrap(p, producer="tests") for p in payloads]
    settings = app.state.container.settings
    bus = RabbitBus(settings.rabbitmq_url, instance=settings.instance)
    try:
        bus.publish(envelopes)
    finally:
        bus.stop()
    wanted = {e.id for e in envelopes}
    deadline = time.monotonic() + timeout
    while True:
        with app.state.container.runtime.sessions() as s:
            done = set(s.execute(select(INBOX.c.event_id)
                                 .where(INBOX.c.event_id.in_(wanted))).scalars())
        if done == wanted:
            return
        assert time.monotonic() < deadline, "the catalog did not apply the events"
        time.sleep(0.02)


def _served_from_memory(app, client, book_id: int) -> None:
    """Read until the book is cached (the echo of its own book.created drops it once)."""
    deadline = time.monotonic() + 10
    while app.state.container.reads.cache.item(book_id) is None:
        assert time.monotonic() < deadline, "the book never stayed in the cache"
        client.get(f"/books/{book_id}")
        time.sleep(0.02)


def _search(client, needle: str) -> tuple[list[dict], int]:
    r = client.get("/books", params={"q": needle})
    assert r.status_code == 200, r.text
    return r.json(), int(r.headers["x-total-count"])


def test_a_book_carries_a_strong_etag_and_a_matching_if_none_match_gets_304(app, client,
                                                                            new_book):
    book_id = new_book(title="Validators", price="12.50", stock="4", description="Given.")
    first = client.get(f"/books/{book_id}")
    assert first.json() == {"id": book_id, "title": "Validators", "author": "Frank Herbert",
                            "price": 12.5, "stock": 4, "description": "Given."}
    _served_from_memory(app, client, book_id)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["cache-control"] == "public, no-cache"
    for condition in (etag, f"W/{etag}", f'"stale", {etag}', "*"):
        again = client.get(f"/books/{book_id}", headers={"If-None-Match": condition})
        assert (again.status_code, again.content) == (304, b"")
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == "public, no-cache"
    other = client.get(f"/books/{book_id}", headers={"If-None-Match": '"stale"'})
    assert (other.status_code, other.json()) == (200, first.json())


def test_a_page_s_304_keeps_its_total_and_its_etag_covers_the_total(client, new_book):
    needle = uuid.uuid4().hex[:10]
    new_book(title=f"Paged {needle}")
    first = client.get("/books", params={"q": needle})
    assert first.headers["x-total-count"] == "1"
    again = client.get("/books", params={"q": needle},
                       headers={"If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["x-total-count"] == "1"
    assert again.headers["etag"] == first.headers["etag"]


def test_a_new_book_is_in_cached_pages_and_totals_at_once(client, new_book):
    needle = uuid.uuid4().hex[:10]
    assert _search(client, needle) == ([], 0)
    everything = client.get("/books", params={"limit": 1})
    book_id = new_book(title=f"Fresh {needle}", author="Ann Leckie", price="7", stock="2")
    assert _search(client, needle) == ([{"id": book_id, "title": f"Fresh {needle}",
                                         "author": "Ann Leckie", "price": 7.0, "stock": 2,
                                         "description": None}], 1)
    after = client.get("/books", params={"limit": 1})
    assert int(after.headers["x-total-count"]) == int(everything.headers["x-total-count"]) + 1


def test_a_patch_is_visible_at_once_in_the_book_and_in_every_page(client, admin, new_book):
    needle, renamed = uuid.uuid4().hex[:10], uuid.uuid4().hex[:10]
    book_id = new_book(title=f"Before {needle}", price="10", stock="5")
    before = client.get(f"/books/{book_id}")
    assert _search(client, needle)[1] == 1 and _search(client, renamed)[1] == 0
    r = client.patch(f"/books/{book_id}", headers=admin,
                     data={"title": f"After {renamed}", "price": "11.25", "stock": "8"})
    assert r.status_code == 200, r.text
    expected = {"id": book_id, "title": f"After {renamed}", "author": "Frank Herbert",
                "price": 11.25, "stock": 8, "description": None}
    after = client.get(f"/books/{book_id}", headers={"If-None-Match": before.headers["etag"]})
    assert (after.status_code, after.json()) == (200, expected)
    assert after.headers["etag"] != before.headers["etag"]
    assert _search(client, needle) == ([], 0)
    assert _search(client, renamed) == ([expected], 1)
    client.patch(f"/books/{book_id}", headers=admin, data={"description": "Now described."})
    assert _search(client, renamed)[0][0]["description"] == "Now described."


def test_a_deleted_book_leaves_the_cache_at_once(client, admin, new_book):
    needle = uuid.uuid4().hex[:10]
    book_id = new_book(title=f"Doomed {needle}")
    assert client.get(f"/books/{book_id}").status_code == 200
    assert _search(client, needle)[1] == 1
    assert client.delete(f"/books/{book_id}", headers=admin).status_code == 200
    r = client.get(f"/books/{book_id}")
    assert (r.status_code, r.json()) == (404, {"message": "Book not found"})
    assert _search(client, needle) == ([], 0)


def test_a_stock_report_shows_in_the_book_and_its_pages_as_soon_as_it_is_applied(app, client,
                                                                                 new_book):
    needle = uuid.uuid4().hex[:10]
    book_id = new_book(title=f"Stocked {needle}", stock="10")
    assert client.get(f"/books/{book_id}").json()["stock"] == 10
    assert _search(client, needle)[0][0]["stock"] == 10
    _served_from_memory(app, client, book_id)
    for revision, stock in ((5, 9), (6, 7)):
        _applied(app, StockChanged(book_id=book_id, stock=stock, stock_version=1,
                                   revision=revision))
        assert client.get(f"/books/{book_id}").json()["stock"] == stock
        assert _search(client, needle)[0][0]["stock"] == stock
    with app.state.container.runtime.sessions() as s:
        assert s.execute(select(BOOK.c.confirmed_stock)
                         .where(BOOK.c.id == book_id)).scalar_one() == 7


def test_a_generated_description_shows_as_soon_as_it_is_applied(app, client, new_book):
    book_id = new_book()
    assert client.get(f"/books/{book_id}").json()["description"] is None
    with app.state.container.runtime.sessions() as s:
        key = s.execute(select(BOOK.c.pdf_key).where(BOOK.c.id == book_id)).scalar_one()
    _applied(app, BookSummarized(book_id=book_id, pdf_key=key, status="ready", summary="S.",
                                 description="Generated."))
    assert client.get(f"/books/{book_id}").json()["description"] == "Generated."
