"""The WebSocket fan-out through its registry: no unit of work, no database, nothing raised."""
from __future__ import annotations

import inspect
import logging
from types import SimpleNamespace

import orjson
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    NotificationBroadcast,
    OrderCancelled,
    OrderConfirmed,
    OrderLine,
    OrderPlaced,
    OrderStatusChanged,
    SessionRevoked,
)
from bookstore_shared.security import RevokedSessions
from notification_service.entrypoints.consumers import (
    LIVE_HANDLERS,
    WS_QUEUE,
    subscribe_live_updates,
)


class RecordingBus:
    def __init__(self):
        self.subscriptions = []

    def subscribe(self, queue, patterns, handler, *, exclusive=False, on_connection=None):
        self.subscriptions.append(SimpleNamespace(queue=queue, patterns=list(patterns),
                                                  handler=handler, exclusive=exclusive,
                                                  on_connection=on_connection))


def subscribed(hub):
    """The fan-out handler as the bus would call it, wired as bootstrap() wires it."""
    bus, verifier = RecordingBus(), SimpleNamespace(revoked=RevokedSessions())
    subscribe_live_updates(bus, hub=hub, verifier=verifier)
    [sub] = bus.subscriptions
    return sub, verifier


def test_each_replica_has_its_own_queue_bound_only_to_the_events_it_pushes(hub):
    sub, _ = subscribed(hub)
    assert (sub.queue, sub.exclusive) == (WS_QUEUE, True)
    # every status goes to the order's owner, from the event that says it
    assert sub.patterns == ["auth.session_revoked", "notification.broadcast", "order.cancelled",
                            "order.confirmed", "order.placed", "order.status_changed.#"]


def test_order_statuses_go_to_their_owner_and_broadcasts_to_everyone(hub):
    sub, _ = subscribed(hub)
    items = [OrderLine(book_id=1, quantity=1)]

    for payload in (OrderPlaced(order_id=5, user_id=9, items=items),
                    OrderConfirmed(order_id=5, user_id=9, items=items),
                    OrderStatusChanged(order_id=5, user_id=9, status="SHIPPED"),
                    OrderCancelled(order_id=6, user_id=9, reason="user_cancelled",
                                   previous_status="PENDING", items=items),
                    NotificationBroadcast(message="Sale")):
        sub.handler(Envelope.wrap(payload, producer="order"))

    *statuses, broadcast = hub.deliveries
    assert [(s.user_id, orjson.loads(s.text)) for s in statuses] == [
        (9, {"type": "order_status", "order_id": 5, "status": "PENDING"}),
        (9, {"type": "order_status", "order_id": 5, "status": "PROCESSING"}),
        (9, {"type": "order_status", "order_id": 5, "status": "SHIPPED"}),
        (9, {"type": "order_status", "order_id": 6, "status": "CANCELLED"})]
    assert broadcast.is_broadcast and orjson.loads(broadcast.text) == {"type": "global",
                                                                       "message": "Sale"}


def test_a_revoked_session_is_refused_from_now_on_and_its_sockets_closed(hub):
    sub, verifier = subscribed(hub)

    sub.handler(Envelope.wrap(SessionRevoked(session_id="s-1", user_id=3,
                                             expires_at="2099-01-01T00:00:00Z"), producer="auth"))

    assert verifier.revoked.is_revoked("s-1") and hub.closed_sessions == ["s-1"]


def test_an_unreadable_event_is_logged_and_dropped_not_retried(hub, caplog):
    sub, _ = subscribed(hub)
    broken = Envelope(type="order.status_changed", producer="order", correlation_id="c",
                      data={"order_id": "not a number"})

    with caplog.at_level(logging.ERROR):
        sub.handler(broken)  # does not raise: a retry would only deliver it late

    assert hub.deliveries == [] and "unreadable event ignored" in caplog.text


def test_no_fan_out_handler_asks_for_a_unit_of_work():
    for handler in LIVE_HANDLERS.handlers.values():
        assert "uow" not in inspect.signature(handler).parameters, handler.__name__
