"""Incoming events -> handlers: the queue is bound to exactly the routing keys they take."""
from __future__ import annotations

from bookstore_shared.events.contracts import OrderCancelled, OrderConfirmed, OrderStatusChanged
from bookstore_shared.kit import HandlerRegistry, Only

from ..service_layer import handlers

HANDLERS = HandlerRegistry({
    OrderConfirmed: handlers.create_shipment,
    OrderCancelled: handlers.cancel_shipment,
    # Only SHIPPED releases a shipment: bound to order.status_changed.SHIPPED alone
    OrderStatusChanged: Only(handlers.ship_released_order, "SHIPPED"),
})
