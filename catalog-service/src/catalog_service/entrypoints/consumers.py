"""Events the catalog consumes: each turned into one reaction (idempotent through the inbox), and
every replica's own copy of those that change what its cache shows."""
from __future__ import annotations

from bookstore_shared.bus import Handler
from bookstore_shared.events import Envelope
from bookstore_shared.runtime import ServiceRuntime
from sqlalchemy.orm import Session

from ..adapters.book_cache import BookCache
from ..service_layer import reactions
from ..service_layer.events_ahead import EventsAhead

REACTIONS = {
    "book.summarized": reactions.book_summarized,
    "inventory.stock_changed": reactions.stock_changed,
    "order.confirmed": reactions.order_confirmed,
    "order.cancelled": reactions.order_cancelled,
}


def handle(session: Session, envelope: Envelope) -> None:
    """Validate the payload and apply its reaction; unknown types are ignored."""
    reaction = REACTIONS.get(envelope.type)
    if reaction is not None:
        reaction(session, envelope.payload())


def subscribe(runtime: ServiceRuntime) -> None:
    """Bind the catalog's queue to the events it reacts to."""
    runtime.consume(sorted(REACTIONS), handle)


# Changes made by any replica (book.*: published after commit) or applied by any replica (stock
# reports and summaries, which one replica writes to the shared database through the shared queue).
REPLICA_QUEUE = "catalog.replica"
REPLICA_EVENTS = ("book.created", "book.deleted", "book.summarized", "book.updated",
                  "inventory.stock_changed")


def replica_feed(cache: BookCache, ahead: EventsAhead) -> Handler:
    """Keep this replica's cache current with every change, whichever replica makes it."""

    def handle(envelope: Envelope) -> None:
        event = envelope.payload()
        # What was received is noted before the cache drops the book, so the next load has it.
        if envelope.type == "inventory.stock_changed":
            ahead.stock_changed(event)
            cache.changed([event.book_id])
        elif envelope.type == "book.summarized":
            ahead.book_summarized(event)
            cache.changed([event.book_id])
        else:
            if envelope.type == "book.deleted":
                ahead.forget(event.book_id)
            cache.changed([event.book_id], relisted=True)

    return handle


def subscribe_replica(runtime: ServiceRuntime, cache: BookCache, ahead: EventsAhead) -> None:
    """An exclusive queue per process: every replica gets every change. The queue exists only
    while connected (what is published meanwhile never reaches it): the cache follows that."""
    runtime.bus.subscribe(REPLICA_QUEUE, REPLICA_EVENTS, replica_feed(cache, ahead),
                          exclusive=True, on_connection=cache.receiving)
