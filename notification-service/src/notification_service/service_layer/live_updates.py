"""WebSocket fan-out handlers: what each event does to this replica's live connections.

They touch no database, so they run without a unit of work (every replica applies every event
to its own sockets; there is nothing to make idempotent or to retry). They only hand work to
the hub's event loop, so they never block a consumer thread.
"""
from __future__ import annotations

from bookstore_shared.events.contracts import (
    STATUS_SAID_BY,
    NotificationBroadcast,
    OrderCancelled,
    OrderConfirmed,
    OrderPlaced,
    OrderStatusChanged,
    SessionRevoked,
    event_type_of,
)
from bookstore_shared.security import TokenVerifier

from ..domain import messages
from .hub import Hub


def _push_status(hub: Hub, order_id: int, user_id: int, status: str) -> None:
    """An order's new status, to its owner's sockets only."""
    hub.dispatch_threadsafe(messages.order_status(order_id=order_id, user_id=user_id,
                                                  status=status))


def push_status_said(event: OrderPlaced | OrderConfirmed | OrderCancelled, *, hub: Hub) -> None:
    """The status order.placed, order.confirmed or order.cancelled says (`STATUS_SAID_BY`)."""
    event_type, _version = event_type_of(event)
    _push_status(hub, event.order_id, event.user_id, STATUS_SAID_BY[event_type])


def push_order_status(event: OrderStatusChanged, *, hub: Hub) -> None:
    """The statuses without an event of their own (SHIPPED, DELIVERED)."""
    _push_status(hub, event.order_id, event.user_id, event.status)


def push_broadcast(event: NotificationBroadcast, *, hub: Hub) -> None:
    """An admin's message, to every socket of this replica."""
    hub.dispatch_threadsafe(messages.global_message(event.message))


def close_revoked_session(event: SessionRevoked, *, hub: Hub, verifier: TokenVerifier) -> None:
    """Refuse the session's tokens from now on and close its open sockets (1008)."""
    verifier.revoked.revoke(event.session_id, event.expires_at.timestamp())
    hub.close_session_threadsafe(event.session_id)
