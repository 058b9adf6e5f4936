"""Incoming events -> handlers: the queue is bound to exactly these event types."""
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
    # PREPARING, SHIPPED and CANCELLED do not move an order: acked without a transaction
    ShipmentUpdated: Only(handlers.record_shipment,
                          when=lambda data: data["status"] in SHIPMENT_STATUSES_THAT_MOVE_AN_ORDER),
    BookCreated: handlers.remember_book,
    BookUpdated: handlers.remember_book,
    BookDeleted: handlers.mark_book_deleted,
    StockChanged: handlers.remember_stock,
})
