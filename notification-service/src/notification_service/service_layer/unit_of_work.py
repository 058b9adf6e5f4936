"""The unit of work notification's handlers, routes and mail sender run in."""
from __future__ import annotations

from collections.abc import Sequence

from bookstore_shared.events import Envelope
from bookstore_shared.kit import SqlUnitOfWork, ids_named
from sqlalchemy.orm import Session

from ..adapters.repository import (
    ContactRepository,
    EmailRepository,
    SqlContactRepository,
    SqlEmailRepository,
)

PRODUCER = "notification"


class NotificationUnitOfWork(SqlUnitOfWork):
    """`uow.contacts` (who is mailed where), `uow.emails` (outgoing rows), `uow.emit(...)`,
    `uow.commit()`."""

    contacts: ContactRepository
    emails: EmailRepository

    def before_batch(self, events: Sequence[Envelope]) -> None:
        """Each email handler looks up its user's contact details: read them all at once."""
        self.contacts.read_ahead(ids_named(events, "user_id"))

    def _open(self, session: Session) -> None:
        self.contacts = SqlContactRepository(session)
        self.emails = SqlEmailRepository(session)
