"""Event → handler: one queue for the service, one handler per routing key."""
from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from bookstore_shared.events import Envelope
from sqlalchemy.orm import Session

from ..service_layer import books, saga

if TYPE_CHECKING:
    from ..bootstrap import Container

log = logging.getLogger(__name__)


def handlers(container: Container) -> dict[str, Callable[[Session, Envelope], None]]:
    """The routing keys this service consumes and what each one does."""
    outbox = container.outbox
    return {
        "inventory.reserved": partial(saga.on_inventory_reserved, outbox=outbox),
        "inventory.rejected": partial(saga.on_inventory_rejected, outbox=outbox),
        "shipment.updated": partial(saga.on_shipment_updated, outbox=outbox),
        "book.created": books.on_book_changed,
        "book.updated": books.on_book_changed,
        "book.deleted": books.on_book_deleted,
        "inventory.stock_changed": books.on_stock_changed,
    }


def register(container: Container) -> None:
    """Subscribe once (a second subscription on the same queue would compete for messages)."""
    table = handlers(container)

    def dispatch(session: Session, env: Envelope) -> None:
        handler = table.get(env.type)
        if handler is None:
            log.info("event without handler ignored", extra={"event_type": env.type})
            return
        handler(session, env)

    container.runtime.consume(sorted(table), dispatch, relevant=saga.moves_an_order_or_book)
