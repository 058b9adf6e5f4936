"""What one order's saga looks like on the event stream (shared by the tap and feed tests)."""
from __future__ import annotations

import uuid

# The saga of an order that is reserved, shipped and delivered, in causal order: every step causes
# the next (the order's SHIPPED releases the READY shipment), so the stream has this one order,
# whichever service publishes each step. One event per status: order.placed says PENDING and
# order.confirmed PROCESSING (no order.status_changed of their own).
SAGA = [
    ("order.placed", None),
    ("inventory.reserved", None),
    ("order.confirmed", None),
    ("shipment.updated", "READY"),
    ("order.status_changed", "SHIPPED"),
    ("shipment.updated", "DELIVERED"),
    ("order.status_changed", "DELIVERED"),
]
# What shipping publishes of a shipment that is delivered (PREPARING and SHIPPED are not news to
# any service: the order's own SHIPPED is what sends the shipment).
SHIPMENT_UPDATES = ("READY", "DELIVERED")
# Events of the saga that name no order: they belong to it through the correlation id.
WITHOUT_ORDER = {"inventory.stock_changed"}


def key(envelope: dict) -> tuple[str, str | None]:
    """(routing key, status) of an envelope as the tap and the feed print it."""
    return envelope["type"], envelope["data"].get("status")


def new_request_id() -> str:
    """A fresh X-Request-ID (it becomes the correlation id of the whole saga)."""
    return "saga-" + uuid.uuid4().hex


def place_order(system, headers: dict, book_id: int, *, request_id: str | None = None) -> int:
    """POST /orders (one copy) with an X-Request-ID of our own; returns the order id."""
    request_id = request_id or new_request_id()
    r = system.client.post("/orders", json={"book_id": book_id, "quantity": 1},
                           headers={**headers, "X-Request-ID": request_id})
    assert r.status_code == 201, r.text
    assert r.headers["x-request-id"] == request_id
    return r.json()["order_id"]


def assert_one_orders_saga(envelopes: list[dict], order_id: int, correlation_id: str) -> None:
    """Exactly that order's saga, in order, every event carrying the request's correlation id."""
    assert envelopes, "no events"
    for env in envelopes:
        assert env["correlation_id"] == correlation_id, env
        if env["type"] in WITHOUT_ORDER:
            assert "order_id" not in env["data"], env
        else:
            assert env["data"]["order_id"] == order_id, env
    keys = [key(env) for env in envelopes if env["type"] not in WITHOUT_ORDER]
    assert keys == SAGA
    # the book's stock after the reservation travels in it, not in a stock_changed of its own
    (reserved,) = [env for env in envelopes if env["type"] == "inventory.reserved"]
    assert [s["book_id"] for s in reserved["data"]["stock_after"]] == [
        line["book_id"] for line in reserved["data"]["items"]]
    assert not any(env["type"] == "inventory.stock_changed" for env in envelopes)


def assert_saga_tail(envelopes: list[dict], full: list[dict], order_id: int) -> None:
    """A watcher that joined after the POST saw the end of the same saga, in the same order."""
    # (A stock change published a moment after the watcher joined may be missed: it names no order.)
    ids = [env["id"] for env in envelopes if env["type"] not in WITHOUT_ORDER]
    full_ids = [env["id"] for env in full if env["type"] not in WITHOUT_ORDER]
    assert ids and ids == full_ids[-len(ids):], "not the tail of the saga"
    assert all(env["data"].get("order_id", order_id) == order_id for env in envelopes)
    # Shipping waits 0.5 s per step: a watcher that joined just after the POST sees it ship.
    assert [key(env) for env in envelopes][-4:] == SAGA[-4:]
