"""Fakes for service-layer tests: notification's repositories in memory, the kit's in-memory unit
of work, and recording stand-ins for the hub, the mail transport and the catalog."""
from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from bookstore_shared.background import CommitSignal
from bookstore_shared.events import utcnow
from bookstore_shared.kit import InMemoryUnitOfWork
from notification_service.domain.emails import EmailContent, message_id_for
from notification_service.domain.model import (
    DEAD,
    PENDING,
    SENDING,
    SENT,
    Contact,
    OutgoingEmail,
)
from notification_service.service_layer.mail_sender import MailHandOff
from notification_service.service_layer.unit_of_work import WritesStagedMail


class FakeContactRepository:
    def __init__(self, *contacts: Contact):
        self.by_user = {c.user_id: c for c in contacts}

    def save(self, contact: Contact) -> None:
        self.by_user[contact.user_id] = contact

    def find(self, user_id: int) -> Contact | None:
        return self.by_user.get(user_id)


class FakeEmailRepository:
    """Rows in a dict with their due time and lease; same answers as the SQL repository."""

    def __init__(self):
        self.rows: dict[int, OutgoingEmail] = {}
        self.event_ids: dict[int, str] = {}
        self.due: dict[int, datetime] = {}
        self.leased_until: dict[int, datetime | None] = {}
        self._ids = itertools.count(1)
        self._added: list[tuple] = []  # staged by add(), written by flush() (at commit)

    def add(self, *, event_id: str, user_id: int | None, recipient: str,
            content: EmailContent, claimed_for: timedelta | None = None) -> None:
        self._added.append((event_id, content, recipient, claimed_for))

    def flush(self) -> list[OutgoingEmail]:
        added, self._added = self._added, []
        return [self._write(*email) for email in added]

    def forget_added(self) -> None:
        self._added = []

    def _write(self, event_id: str, content: EmailContent, recipient: str,
               claimed_for: timedelta | None) -> OutgoingEmail:
        assert (event_id, content.kind) not in {(self.event_ids[i], r.kind)
                                                for i, r in self.rows.items()}, "one per kind"
        email_id = next(self._ids)
        self.rows[email_id] = OutgoingEmail(email_id, content.kind, recipient, content.subject,
                                            content.body, content.books,
                                            message_id_for(event_id, content.kind),
                                            SENDING if claimed_for else PENDING,
                                            1 if claimed_for else 0, None)
        self.event_ids[email_id], self.due[email_id] = event_id, utcnow()
        self.leased_until[email_id] = utcnow() + claimed_for if claimed_for else None
        return self.rows[email_id]

    def claim_due(self, *, lease: timedelta, limit: int) -> list[OutgoingEmail]:
        now = utcnow()
        claimed = []
        for email_id, row in sorted(self.rows.items()):
            lease_end = self.leased_until[email_id]
            if (len(claimed) < limit and row.status in (PENDING, SENDING)
                    and self.due[email_id] <= now and (lease_end is None or lease_end < now)):
                self.rows[email_id] = replace(row, status=SENDING, attempts=row.attempts + 1)
                self.leased_until[email_id] = now + lease
                claimed.append(self.rows[email_id])
        return claimed

    def release(self, email_ids: list[int]) -> None:
        for email_id in email_ids:
            row = self.rows[email_id]
            self.rows[email_id] = replace(row, status=PENDING, attempts=row.attempts - 1)
            self.leased_until[email_id] = None

    def seconds_until_next_due(self) -> float | None:
        pending = [self.due[i] for i, r in self.rows.items() if r.status == PENDING]
        return max(0.0, (min(pending) - utcnow()).total_seconds()) if pending else None

    def mark_sent(self, email_ids: list[int]) -> None:
        for email_id in email_ids:
            self.rows[email_id] = replace(self.rows[email_id], status=SENT, last_error=None)
            self.leased_until[email_id] = None

    def mark_failed(self, email_id: int, *, error: str, retry_at: datetime | None) -> None:
        status = PENDING if retry_at else DEAD
        self.rows[email_id] = replace(self.rows[email_id], status=status, last_error=error[:500])
        self.leased_until[email_id] = None
        if retry_at:
            self.due[email_id] = retry_at

    def newest(self, *, status: str | None = None, limit: int = 100) -> list[OutgoingEmail]:
        rows = [r for _, r in sorted(self.rows.items(), reverse=True)
                if status is None or r.status == status]
        return rows[:limit]

    def replay_dead(self) -> int:
        dead = [i for i, r in self.rows.items() if r.status == DEAD]
        for email_id in dead:
            self.rows[email_id] = replace(self.rows[email_id], status=PENDING, attempts=0,
                                          last_error=None)
            self.due[email_id] = utcnow()
        return len(dead)


class FakeNotificationUnitOfWork(WritesStagedMail, InMemoryUnitOfWork):
    def __init__(self, *contacts: Contact):
        super().__init__(producer="notification")
        self.contacts = FakeContactRepository(*contacts)
        self.emails = FakeEmailRepository()


class RecordingHub:
    """What the live-update handlers hand to the event loop, in order."""

    def __init__(self):
        self.deliveries = []
        self.closed_sessions: list[str] = []

    def dispatch_threadsafe(self, delivery) -> None:
        self.deliveries.append(delivery)

    def close_session_threadsafe(self, session_id: str) -> None:
        self.closed_sessions.append(session_id)


@pytest.fixture
def make_uow():
    """A fake unit of work knowing the given contacts."""
    return FakeNotificationUnitOfWork


@pytest.fixture
def mail_pending() -> MailHandOff:
    return MailHandOff(CommitSignal("notification_mail_pending"), lease=timedelta(minutes=5))


@pytest.fixture
def hub() -> RecordingHub:
    return RecordingHub()
