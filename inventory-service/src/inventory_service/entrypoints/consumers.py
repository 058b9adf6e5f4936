"""Incoming events -> handlers: the queue is bound to exactly these event types."""
from __future__ import annotations

from bookstore_shared.events.contracts import (
    BookCreated,
    BookDeleted,
    BookUpdated,
    OrderCancelled,
    OrderPlaced,
)
from bookstore_shared.kit import HandlerRegistry

from ..service_layer import handlers

HANDLERS = HandlerRegistry({
    BookCreated: handlers.apply_book_stock,
    BookUpdated: handlers.apply_book_stock,
    BookDeleted: handlers.mark_book_deleted,
    OrderPlaced: handlers.reserve_order,
    OrderCancelled: handlers.release_order,
})
