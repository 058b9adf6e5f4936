"""Incoming events -> handlers (typed payloads validated on receipt)."""
from __future__ import annotations

from bookstore_shared.events import Envelope
from bookstore_shared.runtime import ServiceRuntime
from sqlalchemy.orm import Session

from ..service_layer import handlers

ROUTES = {
    "book.created": handlers.apply_book_stock,
    "book.updated": handlers.apply_book_stock,
    "book.deleted": handlers.mark_book_deleted,
    "order.placed": handlers.reserve_order,
    "order.cancelled": handlers.release_order,
}


def register(runtime: ServiceRuntime) -> None:
    """Consume the catalog's book events and the order saga's events on the inventory queue."""
    outbox = runtime.outbox

    def dispatch(session: Session, env: Envelope) -> None:
        handler = ROUTES.get(env.type)
        if handler is not None:
            handler(session, event=env.payload(), cause=env, outbox=outbox)

    runtime.consume(list(ROUTES), dispatch)
