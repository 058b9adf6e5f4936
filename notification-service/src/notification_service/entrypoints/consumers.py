"""Incoming events -> handlers, on two queues.

- Email: the durable `notification` queue, shared by the replicas (each email staged once),
  bound to exactly the keys of EMAIL_HANDLERS and consumed in batches by the kit.
- Live updates: an exclusive `notification.ws` queue per replica (each replica owns its sockets,
  so every one of them needs every event that changes an order's status), handlers run without
  a unit of work.
"""
from __future__ import annotations

from bookstore_shared.bus import Bus
from bookstore_shared.bus.base import ConnectionHook
from bookstore_shared.events.contracts import (
    NotificationBroadcast,
    OrderCancelled,
    OrderConfirmed,
    OrderPlaced,
    OrderStatusChanged,
    SessionRevoked,
    UserRegistered,
)
from bookstore_shared.kit import Dispatcher, HandlerRegistry, Only, subscribe_in_memory
from bookstore_shared.security import TokenVerifier

from ..service_layer import handlers, live_updates
from ..service_layer.hub import Hub

EMAIL_HANDLERS = HandlerRegistry({
    UserRegistered: handlers.welcome_new_user,
    OrderConfirmed: handlers.mail_purchase,
    OrderCancelled: handlers.mail_cancellation,
    # bound to order.status_changed.SHIPPED and .DELIVERED alone (the statuses it says)
    OrderStatusChanged: Only(handlers.mail_status_change, "SHIPPED", "DELIVERED"),
})

WS_QUEUE = "notification.ws"
LIVE_HANDLERS = HandlerRegistry({
    # every status an order takes, from the one event that says it (ARCHITECTURE.md)
    OrderPlaced: live_updates.push_status_said,
    OrderConfirmed: live_updates.push_status_said,
    OrderCancelled: live_updates.push_status_said,
    OrderStatusChanged: live_updates.push_order_status,
    NotificationBroadcast: live_updates.push_broadcast,
    SessionRevoked: live_updates.close_revoked_session,
})


def subscribe_live_updates(bus: Bus, *, hub: Hub, verifier: TokenVerifier,
                           on_connection: ConnectionHook | None = None) -> Dispatcher:
    """This replica's own exclusive fan-out queue, bound to exactly the keys LIVE_HANDLERS take
    (a delivery that cannot be read is dropped: a socket update has nothing to retry)."""
    return subscribe_in_memory(bus, LIVE_HANDLERS, queue=WS_QUEUE, on_connection=on_connection,
                               hub=hub, verifier=verifier)
