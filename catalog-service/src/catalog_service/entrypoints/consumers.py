"""Events the catalog consumes, each turned into one reaction (idempotent through the inbox)."""
from __future__ import annotations

from bookstore_shared.events import Envelope
from bookstore_shared.runtime import ServiceRuntime
from sqlalchemy.orm import Session

from ..service_layer import reactions

REACTIONS = {
    "book.summarized": reactions.book_summarized,
    "inventory.stock_changed": reactions.stock_changed,
    "order.confirmed": reactions.order_confirmed,
}


def handle(session: Session, envelope: Envelope) -> None:
    """Validate the payload and apply its reaction; unknown types are ignored."""
    reaction = REACTIONS.get(envelope.type)
    if reaction is not None:
        reaction(session, envelope.payload())


def subscribe(runtime: ServiceRuntime) -> None:
    """Bind the catalog's queue to the events it reacts to."""
    runtime.consume(sorted(REACTIONS), handle)
