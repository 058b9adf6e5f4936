"""Incoming events -> handlers: the queue is bound to exactly these event types."""
from __future__ import annotations

from bookstore_shared.events.contracts import OrderCancelled, OrderConfirmed
from bookstore_shared.kit import HandlerRegistry

from ..service_layer import handlers

HANDLERS = HandlerRegistry({
    OrderConfirmed: handlers.create_shipment,
    OrderCancelled: handlers.cancel_shipment,
})
