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
from bookstore_shared.kit import HandlerRegistry

from ..service_layer import handlers

HANDLERS = HandlerRegistry({
    InventoryReserved: handlers.confirm_order,
    InventoryRejected: handlers.cancel_rejected_order,
    ShipmentUpdated: handlers.record_shipment,
    BookCreated: handlers.remember_book,
    BookUpdated: handlers.remember_book,
    BookDeleted: handlers.mark_book_deleted,
    StockChanged: handlers.remember_stock,
})
