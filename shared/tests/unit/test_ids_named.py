"""`ids_named`: the ids a batch's payloads give in one field, for a unit of work's `before_batch`
to read (and lock) in one statement."""
from __future__ import annotations

from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    NotificationBroadcast,
    OrderStatusChanged,
    UserRegistered,
)
from bookstore_shared.kit import ids_named


def _env(payload) -> Envelope:
    return Envelope.wrap(payload, producer="tests")


def test_the_ids_of_the_events_that_name_one_in_delivery_order():
    events = [_env(OrderStatusChanged(order_id=7, user_id=1, status="SHIPPED")),
              _env(NotificationBroadcast(message="hello")),
              _env(OrderStatusChanged(order_id=3, user_id=2, status="PROCESSING")),
              _env(UserRegistered(user_id=9, username="ann", email="ann@example.com"))]

    assert ids_named(events, "order_id") == [7, 3]
    assert ids_named(events, "user_id") == [1, 2, 9]
    assert ids_named(events, "book_id") == []
