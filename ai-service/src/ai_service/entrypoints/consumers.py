"""Which handler takes which event (the service queue is bound to exactly these keys)."""
from __future__ import annotations

from bookstore_shared.events.contracts import BookCreated, BookDeleted, BookUpdated
from bookstore_shared.kit import HandlerRegistry

from ..service_layer import handlers

HANDLERS = HandlerRegistry({
    BookCreated: handlers.queue_summary,
    BookUpdated: handlers.queue_summary,
    BookDeleted: handlers.cancel_summaries,
})
