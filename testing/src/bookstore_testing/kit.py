"""Service-layer tests on the kit: events applied the way the batched consumer applies them."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import EventPayload
from bookstore_shared.kit import BatchedConsumer, Dispatcher, UnitOfWork
from bookstore_shared.kit.container import Container
from sqlalchemy import Table, event
from sqlalchemy.engine import Engine


def apply_events(dispatcher: Dispatcher, uow: UnitOfWork, *events: EventPayload | Envelope,
                 producer: str = "tests") -> list[Envelope]:
    """Apply each event in a unit of work of its own, through the registry's dispatcher, with the
    event as the cause of what the handlers emit (as the consumer does); payloads are wrapped
    as `producer` published them. Returns the envelopes the events arrived in."""
    envelopes = [e if isinstance(e, Envelope) else Envelope.wrap(e, producer=producer)
                 for e in events]
    for env in envelopes:
        with uow:
            uow.cause = env
            dispatcher.dispatch(env, uow)
            uow.commit()
    return envelopes


def apply_as_one_batch(container: Container, inbox: Table, *events: EventPayload | Envelope,
                       producer: str = "tests") -> list[Envelope]:
    """Apply the events the way the bus applies deliveries that arrived together: one
    `handle_batch` of the service's batched consumer, on its real unit of work and inbox. A batch
    that fails raises here (the bus would then apply its events one at a time)."""
    envelopes = [e if isinstance(e, Envelope) else Envelope.wrap(e, producer=producer)
                 for e in events]
    consumer = BatchedConsumer(consumer=container.settings.service_name,
                               dispatcher=container.dispatcher, uow=container.uow, inbox=inbox,
                               batch_size=len(envelopes))
    consumer.handle_batch(envelopes)
    return envelopes


@contextmanager
def statements_sent(engine: Engine, containing: str) -> Iterator[list[str]]:
    """The statements containing `containing` (say "FOR UPDATE") that the calling thread sends
    to `engine` while the block runs (not those of the service's relay, consumers or background
    workers)."""
    seen: list[str] = []
    me = threading.get_ident()

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        if threading.get_ident() == me and containing in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
