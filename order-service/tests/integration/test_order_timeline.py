"""`GET /orders/{id}/events`: each order's stored timeline on the real database, written in the
transactions that moved the order (the outbox holds the same events), for admins only."""
from datetime import datetime

import orjson
import pytest
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import InventoryReserved, OrderLine
from order_service.adapters.orm import OUTBOX
from sqlalchemy import select


@pytest.fixture(params=["mysql", "sqlite"])
def any_harness(request):
    return request.getfixturevalue("harness" if request.param == "mysql"
                                   else "standalone_harness")


def outbox_ids(harness, order_id: int) -> list[str]:
    with harness.sessions() as s:
        rows = s.execute(select(OUTBOX.c.body).order_by(OUTBOX.c.id)).all()
    envelopes = [orjson.loads(r.body) for r in rows]
    return [e["id"] for e in envelopes if e["data"].get("order_id") == order_id]


def events(harness, order_id: int, **auth) -> list[dict]:
    response = harness.client.get(f"/orders/{order_id}/events",
                                  headers=harness.auth(99, admin=True, **auth))
    assert response.status_code == 200, response.text
    return response.json()


def test_a_reserved_then_cancelled_order_has_its_timeline_oldest_first(any_harness):
    harness = any_harness
    book = harness.new_book(price="4.00", title="Tides")
    order_id = harness.place(40, {"book_id": book, "quantity": 2})
    reservation = harness.deliver(None, envelope=Envelope.wrap(InventoryReserved(
        order_id=order_id, items=[OrderLine(book_id=book, quantity=2)]), producer="inventory"))
    cancelled = harness.client.post(f"/orders/{order_id}/cancel", headers=harness.auth(40))
    assert cancelled.status_code == 200, cancelled.text

    timeline = events(harness, order_id)

    assert [(e["type"], e["producer"], e["status"], e["detail"]) for e in timeline] == [
        ("order.placed", "order", "PENDING", "2 × Tides"),
        ("inventory.reserved", "inventory", "PROCESSING", None),
        ("order.confirmed", "order", "PROCESSING", None),
        ("order.cancelled", "order", "CANCELLED", "was PROCESSING (cancelled_by_user)")]
    emitted = [e["id"] for e in timeline if e["producer"] == "order"]
    assert emitted == outbox_ids(harness, order_id)  # written with the outbox, in its order
    assert timeline[1]["id"] == reservation.id
    assert datetime.fromisoformat(timeline[1]["occurred_at"]) == reservation.occurred_at


def test_only_admins_read_a_timeline_and_authentication_comes_first(harness):
    book = harness.new_book()
    order_id = harness.place(41, {"book_id": book, "quantity": 1})
    owner = harness.client.get(f"/orders/{order_id}/events", headers=harness.auth(41))
    assert (owner.status_code, owner.json()) == (403, {"message": "Admin access required"})
    unknown = harness.client.get("/orders/987654321/events", headers=harness.auth(99, admin=True))
    assert (unknown.status_code, unknown.json()) == (404, {"message": "Order not found"})
    assert harness.client.get("/orders/987654321/events").status_code == 401
    assert harness.client.get(f"/api/orders/{order_id}/events",
                              headers=harness.auth(99, admin=True)).status_code == 200
