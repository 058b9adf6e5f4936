"""The unit of work notification's handlers, routes and mail sender run in."""
from __future__ import annotations

from bookstore_shared.kit import SqlUnitOfWork
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

    def _open(self, session: Session) -> None:
        self.contacts = SqlContactRepository(session)
        self.emails = SqlEmailRepository(session)
