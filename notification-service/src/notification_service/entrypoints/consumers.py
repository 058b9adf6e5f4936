"""Incoming events -> handlers, on two queues.

- Email: the durable `notification` queue, shared by the replicas (each email staged once),
  bound to exactly the keys of EMAIL_HANDLERS and consumed in batches by the kit.
- Live updates: an exclusive `notification.ws` queue per replica (each replica owns its sockets,
  so every one of them needs every event), handlers run without a unit of work.
"""
from __future__ import annotations

import logging

from bookstore_shared.bus.base import ConnectionHook
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    NotificationBroadcast,
    OrderConfirmed,
    OrderStatusChanged,
    SessionRevoked,
    UserRegistered,
)
from bookstore_shared.kit import Dispatcher, HandlerRegistry
from bookstore_shared.runtime import ServiceRuntime
from pydantic import ValidationError

from ..service_layer import handlers, live_updates

log = logging.getLogger(__name__)

EMAIL_HANDLERS = HandlerRegistry({
    UserRegistered: handlers.welcome_new_user,
    OrderConfirmed: handlers.mail_purchase,
    OrderStatusChanged: handlers.mail_status_change,
})

WS_QUEUE = "notification.ws"
LIVE_HANDLERS = HandlerRegistry({
    OrderStatusChanged: live_updates.push_order_status,
    NotificationBroadcast: live_updates.push_broadcast,
    SessionRevoked: live_updates.close_revoked_session,
})


def subscribe_live_updates(runtime: ServiceRuntime, dispatcher: Dispatcher, *,
                           on_connection: ConnectionHook | None = None) -> None:
    """This replica's own exclusive fan-out queue, bound to exactly the keys LIVE_HANDLERS take.

    A delivery that cannot be read is logged and dropped: a socket update has nothing to retry,
    and a redelivery would only arrive late.
    """

    def handle(envelope: Envelope) -> None:
        try:
            dispatcher.dispatch(envelope, None)  # no unit of work: no handler names one
        except ValidationError as exc:
            log.error("unreadable event ignored", extra={"event_id": envelope.id,
                                                         "error": str(exc)})

    runtime.bus.subscribe(WS_QUEUE, LIVE_HANDLERS.routing_keys(), handle, exclusive=True,
                          on_connection=on_connection)
