"""The unit of work notification's handlers, routes and mail sender run in."""
from __future__ import annotations

import time
from collections.abc import Sequence

from bookstore_shared.background import CommitSignal
from bookstore_shared.events import Envelope
from bookstore_shared.kit import SqlUnitOfWork, UnitOfWork, ids_named
from sqlalchemy.orm import Session

from ..adapters.repository import (
    ContactRepository,
    EmailRepository,
    SqlContactRepository,
    SqlEmailRepository,
)

PRODUCER = "notification"


class WritesStagedMail(UnitOfWork):
    """The emails a transaction staged (`uow.emails.add`) are written in one insert right before
    its COMMIT; after the COMMIT, those claimed for this process's sender are handed to it
    (`hand_mail_to`). One place, whichever handler or route staged them."""

    emails: EmailRepository
    _mail_to: tuple[CommitSignal, float] | None = None  # the sender's signal, first staging

    def hand_mail_to(self, signal: CommitSignal) -> None:
        """Hand what this transaction stages to the sender woken by `signal` once it commits."""
        if self._mail_to is None:
            self._mail_to = (signal, time.monotonic())

    def _commit(self, envelopes: list[Envelope]) -> None:
        written, hand_off, self._mail_to = self.emails.flush(), self._mail_to, None
        if written and hand_off is not None:
            signal, staged_at = hand_off
            self.wake_after_commit(signal, *((staged_at, email) for email in written))
        super()._commit(envelopes)

    def _rollback(self) -> None:
        self._mail_to = None
        self.emails.forget_added()
        super()._rollback()


class NotificationUnitOfWork(WritesStagedMail, SqlUnitOfWork):
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
