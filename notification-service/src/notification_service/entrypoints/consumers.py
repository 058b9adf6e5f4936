"""Event consumers: WebSocket fan-out (per-replica queue) and email (one shared queue)."""
from __future__ import annotations

import logging

from bookstore_shared.bus.base import ConnectionHook
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    NotificationBroadcast,
    OrderStatusChanged,
    SessionRevoked,
)
from bookstore_shared.runtime import ServiceRuntime
from bookstore_shared.security import TokenVerifier

from ..domain import messages
from ..service_layer.handlers import EMAIL_HANDLERS, handle_email_event, sends_an_email
from ..service_layer.hub import Hub

log = logging.getLogger(__name__)

WS_QUEUE = "notification.ws"
WS_EVENTS = ["order.status_changed", "notification.broadcast", "auth.session_revoked"]


def ws_fanout_handler(hub: Hub, verifier: TokenVerifier):
    """Turn events into socket deliveries on the event loop; never raises (nothing to retry)."""

    def handle(env: Envelope) -> None:
        try:
            payload = env.payload()
        except ValueError as exc:
            log.error("unreadable event ignored", extra={"event_id": env.id, "error": str(exc)})
            return
        if isinstance(payload, OrderStatusChanged):
            hub.dispatch_threadsafe(messages.order_status(
                order_id=payload.order_id, user_id=payload.user_id, status=payload.status))
        elif isinstance(payload, NotificationBroadcast):
            hub.dispatch_threadsafe(messages.global_message(payload.message))
        elif isinstance(payload, SessionRevoked):
            verifier.revoked.revoke(payload.session_id, payload.expires_at.timestamp())
            hub.close_session_threadsafe(payload.session_id)

    return handle


def register_consumers(runtime: ServiceRuntime, hub: Hub, verifier: TokenVerifier, *,
                       on_connection: ConnectionHook | None = None) -> None:
    """Each replica gets its own exclusive fan-out queue; emails share the durable queue."""
    runtime.bus.subscribe(WS_QUEUE, WS_EVENTS, ws_fanout_handler(hub, verifier), exclusive=True,
                          on_connection=on_connection)
    runtime.consume(list(EMAIL_HANDLERS), handle_email_event, relevant=sends_an_email)
