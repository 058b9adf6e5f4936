"""Incoming events -> handlers: the queue is bound to exactly these event types."""
from __future__ import annotations

from bookstore_shared.events.contracts import OrderCancelled, OrderConfirmed, OrderStatusChanged
from bookstore_shared.kit import HandlerRegistry, Only

from ..service_layer import handlers

HANDLERS = HandlerRegistry({
    OrderConfirmed: handlers.create_shipment,
    OrderCancelled: handlers.cancel_shipment,
    # Only SHIPPED releases a shipment: the order's other statuses are acked without a transaction
    OrderStatusChanged: Only(handlers.ship_released_order,
                             when=lambda data: data["status"] == "SHIPPED"),
})
