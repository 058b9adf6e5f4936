"""Service-layer tests on the kit: events applied the way the batched consumer applies them."""
from __future__ import annotations

from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import EventPayload
from bookstore_shared.kit import Dispatcher, UnitOfWork


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
