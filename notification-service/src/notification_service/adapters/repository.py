"""Reads and writes of the users read model and the outgoing email rows (SQLAlchemy Core, in the
unit of work's session; the unit of work commits)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from bookstore_shared.events import current_trace_context, utcnow
from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from ..domain.emails import BookRef, EmailContent, message_id_for
from ..domain.model import DEAD, PENDING, SENDING, SENT, Contact, OutgoingEmail
from .orm import OUTGOING_EMAIL as E
from .orm import USER_CONTACT as U


class ContactRepository(Protocol):
    """Who each user_id is mailed at; SQL below, in memory in the unit tests."""

    def save(self, contact: Contact) -> None: ...
    def find(self, user_id: int) -> Contact | None: ...
    def read_ahead(self, user_ids: Iterable[int]) -> None: ...


class EmailRepository(Protocol):
    """The outgoing email rows: staged by handlers, leased and settled by the mail sender."""

    def add(self, *, event_id: str, user_id: int | None, recipient: str,
            content: EmailContent, claimed_for: timedelta | None = None) -> None: ...
    def flush(self) -> list[OutgoingEmail]: ...
    def forget_added(self) -> None: ...
    def claim_due(self, *, lease: timedelta, limit: int) -> list[OutgoingEmail]: ...
    def release(self, email_ids: list[int]) -> None: ...
    def seconds_until_next_due(self) -> float | None: ...
    def mark_sent(self, email_ids: list[int]) -> None: ...
    def mark_failed(self, email_id: int, *, error: str, retry_at: datetime | None) -> None: ...
    def newest(self, *, status: str | None = None, limit: int = 100) -> list[OutgoingEmail]: ...
    def replay_dead(self) -> int: ...


# Statements are built once and executed with parameters: building a Core statement (and its
# cache key) on every call was a large share of the service's CPU per email.
# Without .values(), UPDATE ... SET takes its columns from the parameter names.
_UPDATE_CONTACT = update(U).where(U.c.user_id == bindparam("u_id"))
_INSERT_CONTACT = insert(U)
_FIND_CONTACT = select(U.c.user_id, U.c.username, U.c.email).where(
    U.c.user_id == bindparam("u_id"))
_FIND_CONTACTS = select(U.c.user_id, U.c.username, U.c.email).where(
    U.c.user_id.in_(bindparam("u_ids", expanding=True)))
_INSERT_EMAIL = insert(E)  # with a list of rows: one multi-row INSERT (PyMySQL's executemany)
# The ids of rows just inserted, by their unique Message-IDs: MySQL 8 (compose's database) has no
# INSERT ... RETURNING.
_IDS_BY_MESSAGE_ID = select(E.c.message_id, E.c.id).where(
    E.c.message_id.in_(bindparam("message_ids", expanding=True)))
_UPDATE_EMAIL = update(E).where(E.c.id == bindparam("e_id"))
_EARLIEST_PENDING = select(func.min(E.c.next_attempt_at)).where(E.c.status == PENDING)

_now = bindparam("now", type_=E.c.next_attempt_at.type)
_claimable = and_(E.c.status.in_([PENDING, SENDING]), E.c.next_attempt_at <= _now,
                  or_(E.c.claimed_until.is_(None), E.c.claimed_until < _now))
# Rows another sender is claiming right now are skipped, not waited for: each replica's sender
# takes its own batch. (SQLite, standalone, has one writer and no row locks.)
_SELECT_CLAIMABLE = (select(E).where(_claimable).order_by(E.c.id)
                     .limit(bindparam("limit")).with_for_update(skip_locked=True))
_ids = bindparam("ids", expanding=True)
_CLAIM = update(E).where(E.c.id.in_(_ids)).values(
    status=SENDING, claimed_until=bindparam("lease_until", type_=E.c.claimed_until.type),
    attempts=E.c.attempts + 1)
# Claimed but never attempted: due again at once, with the attempt it did not use given back.
_RELEASE = update(E).where(E.c.id.in_(_ids), E.c.status == SENDING).values(
    status=PENDING, claimed_until=None, attempts=E.c.attempts - 1)
_MARK_SENT = update(E).where(E.c.id.in_(_ids)).values(
    status=SENT, sent_at=_now, claimed_until=None, last_error=None)


class SqlContactRepository:
    """The `user_contact` read model through one session."""

    def __init__(self, session: Session):
        self.session = session
        self._known: dict[int, Contact] = {}  # read or written in this transaction

    def save(self, contact: Contact) -> None:
        """Insert or refresh a user's contact details."""
        values = {"username": contact.username, "email": contact.email}
        changed = self.session.execute(_UPDATE_CONTACT, {"u_id": contact.user_id,
                                                         **values}).rowcount
        if not changed and self._read(contact.user_id) is None:
            self.session.execute(_INSERT_CONTACT, {"user_id": contact.user_id,
                                                   "registered_at": utcnow(), **values})
        self._known[contact.user_id] = contact

    def find(self, user_id: int) -> Contact | None:
        """The user's contact details as this transaction last read or wrote them."""
        return self._known.get(user_id) or self._read(user_id)

    def read_ahead(self, user_ids: Iterable[int]) -> None:
        """Read these users' contact details in one statement, for find() to answer from."""
        ids = sorted(set(user_ids) - self._known.keys())
        if len(ids) > 1:
            for row in self.session.execute(_FIND_CONTACTS, {"u_ids": ids}):
                self._known[row.user_id] = Contact(*row)

    def _read(self, user_id: int) -> Contact | None:
        row = self.session.execute(_FIND_CONTACT, {"u_id": user_id}).first()
        return Contact(*row) if row else None


def _to_email(row) -> OutgoingEmail:
    books = tuple(BookRef(b["book_id"], b.get("title")) for b in json.loads(row.attachments))
    return OutgoingEmail(row.id, row.kind, row.recipient, row.subject, row.body, books,
                         row.message_id, row.status, row.attempts, row.last_error,
                         row.traceparent)


class SqlEmailRepository:
    """The `outgoing_email` rows through one session."""

    def __init__(self, session: Session):
        self.session = session
        self._added: list[tuple[dict, OutgoingEmail]] = []  # staged by add(), not yet written

    def add(self, *, event_id: str, user_id: int | None, recipient: str,
            content: EmailContent, claimed_for: timedelta | None = None) -> None:
        """Stage one email (unique per event and kind), due at once. With `claimed_for` it is
        claimed from the start, for the sender of this process (no other sender takes it before
        that lease runs out). It is written by `flush()`, with every other email added in the
        transaction (the unit of work flushes before COMMIT)."""
        now = utcnow()
        books = [{"book_id": b.book_id, "title": b.title} for b in content.books]
        email = OutgoingEmail(
            0, content.kind, recipient, content.subject[:255], content.body, tuple(content.books),
            message_id_for(event_id, content.kind), SENDING if claimed_for else PENDING,
            1 if claimed_for else 0, None, current_trace_context().get("traceparent"))
        self._added.append(({
            "event_id": event_id, "kind": email.kind, "user_id": user_id,
            "recipient": recipient, "subject": email.subject, "body": email.body,
            "attachments": json.dumps(books), "message_id": email.message_id,
            "status": email.status, "attempts": email.attempts, "next_attempt_at": now,
            "claimed_until": now + claimed_for if claimed_for else None, "created_at": now,
            "traceparent": email.traceparent}, email))

    def flush(self) -> list[OutgoingEmail]:
        """Write the emails add() staged; returns them with their ids. One statement for one
        email; for several, one insert and one read of their ids."""
        added, self._added = self._added, []
        if len(added) == 1:
            [(params, email)] = added
            result = self.session.execute(_INSERT_EMAIL, params)
            return [replace(email, id=result.inserted_primary_key[0])]
        if not added:
            return []
        self.session.execute(_INSERT_EMAIL, [params for params, _ in added])
        ids = dict(self.session.execute(_IDS_BY_MESSAGE_ID, {
            "message_ids": [email.message_id for _, email in added]}).all())
        return [replace(email, id=ids[email.message_id]) for _, email in added]

    def forget_added(self) -> None:
        """Drop what add() staged and flush() did not write (the transaction rolled back)."""
        self._added = []

    def claim_due(self, *, lease: timedelta, limit: int) -> list[OutgoingEmail]:
        """Lease up to `limit` of the oldest due emails until `now + lease` (the rows are locked
        while claimed, so two senders never claim the same one); [] when nothing is due.

        A row still `sending` after its lease ran out belongs to a sender that died mid-send: it
        is claimed again and resent with the same Message-ID. The claim holds once committed.
        """
        now = utcnow()
        rows = self.session.execute(_SELECT_CLAIMABLE, {"now": now, "limit": limit}).all()
        if not rows:
            return []
        self.session.execute(_CLAIM, {"ids": [r.id for r in rows], "lease_until": now + lease})
        return [replace(_to_email(r), status=SENDING, attempts=r.attempts + 1) for r in rows]

    def release(self, email_ids: list[int]) -> None:
        """Give back claimed emails that were not attempted: due again at once."""
        if email_ids:
            self.session.execute(_RELEASE, {"ids": email_ids})

    def seconds_until_next_due(self) -> float | None:
        """How long until the earliest pending email is due (None when nothing waits)."""
        earliest = self.session.execute(_EARLIEST_PENDING).scalar()
        if earliest is None:
            return None
        if earliest.tzinfo is None:  # MySQL hands back naive UTC
            earliest = earliest.replace(tzinfo=utcnow().tzinfo)
        return max(0.0, (earliest - utcnow()).total_seconds())

    def mark_sent(self, email_ids: list[int]) -> None:
        if email_ids:
            self.session.execute(_MARK_SENT, {"ids": email_ids, "now": utcnow()})

    def mark_failed(self, email_id: int, *, error: str, retry_at: datetime | None) -> None:
        """Schedule another attempt at `retry_at`, or dead-letter the email when it is None."""
        values = {"status": PENDING, "next_attempt_at": retry_at} if retry_at else {"status": DEAD}
        self.session.execute(_UPDATE_EMAIL, {"e_id": email_id, "claimed_until": None,
                                             "last_error": error[:500], **values})

    def newest(self, *, status: str | None = None, limit: int = 100) -> list[OutgoingEmail]:
        """Newest first, optionally only those in one status."""
        query = select(E).order_by(E.c.id.desc()).limit(limit)
        if status:
            query = query.where(E.c.status == status)
        return [_to_email(r) for r in self.session.execute(query).all()]

    def replay_dead(self) -> int:
        """Give every dead-lettered email a fresh set of attempts; returns how many."""
        return self.session.execute(update(E).where(E.c.status == DEAD).values(
            status=PENDING, attempts=0, next_attempt_at=utcnow(), last_error=None)).rowcount
