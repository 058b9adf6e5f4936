"""Book events -> job handlers (the inbox wrapper commits and acks)."""
from __future__ import annotations

from bookstore_shared.background import CommitSignal
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import BookChanged, BookDeleted
from bookstore_shared.runtime import ServiceRuntime
from sqlalchemy.orm import Session

from ..adapters.repository import JobRepository
from ..service_layer import handlers

BOOK_EVENTS = ["book.created", "book.updated", "book.deleted"]


def register(runtime: ServiceRuntime, *, jobs: JobRepository, signal: CommitSignal) -> None:
    """Subscribe the service's queue to book events."""

    def on_book_event(session: Session, env: Envelope) -> None:
        payload = env.payload()
        if isinstance(payload, BookDeleted):
            handlers.book_deleted(session, book_id=payload.book_id, jobs=jobs)
        elif isinstance(payload, BookChanged):
            handlers.book_changed(session, book_id=payload.book_id, pdf_key=payload.pdf_key,
                                  pdf_changed=payload.pdf_changed, jobs=jobs, signal=signal,
                                  correlation_id=env.correlation_id, causation_id=env.id)

    runtime.consume(BOOK_EVENTS, on_book_event)
