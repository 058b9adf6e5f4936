"""Incoming events -> handlers: the queue is bound to exactly the routing keys they take."""
from __future__ import annotations

from bookstore_shared.events.contracts import (
    BookCreated,
    BookDeleted,
    BookUpdated,
    InventoryRejected,
    InventoryReserved,
    ShipmentUpdated,
    StockChanged,
)
from bookstore_shared.kit import HandlerRegistry, Only

from ..service_layer import handlers
from ..service_layer.handlers import SHIPMENT_STATUSES_THAT_MOVE_AN_ORDER

HANDLERS = HandlerRegistry({
    InventoryReserved: handlers.confirm_order,
    InventoryRejected: handlers.cancel_rejected_order,
    # bound to shipment.updated.READY and .DELIVERED: PREPARING, SHIPPED and CANCELLED, which do
    # not move an order, never reach the queue
    ShipmentUpdated: Only(handlers.record_shipment, *SHIPMENT_STATUSES_THAT_MOVE_AN_ORDER),
    BookCreated: handlers.remember_book,
    BookUpdated: handlers.remember_book,
    BookDeleted: handlers.mark_book_deleted,
    StockChanged: handlers.remember_stock,
})
