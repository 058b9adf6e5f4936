"""Reads and writes of the users read model and the outgoing email rows."""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bookstore_shared.events import utcnow
from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from ..domain.emails import BookRef, EmailContent, message_id_for
from .orm import OUTGOING_EMAIL as E
from .orm import USER_CONTACT as U

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"


@dataclass(frozen=True)
class Contact:
    user_id: int
    username: str
    email: str


@dataclass(frozen=True)
class OutgoingEmail:
    id: int
    kind: str
    recipient: str
    subject: str
    body: str
    books: tuple[BookRef, ...]
    message_id: str
    status: str
    attempts: int
    last_error: str | None


# Statements are built once and executed with parameters: building a Core statement (and its
# cache key) on every call was a large share of the service's CPU per email.
# Without .values(), UPDATE ... SET takes its columns from the parameter names.
_UPDATE_CONTACT = update(U).where(U.c.user_id == bindparam("u_id"))
_INSERT_CONTACT = insert(U)
_FIND_CONTACT = select(U.c.user_id, U.c.username, U.c.email).where(
    U.c.user_id == bindparam("u_id"))
_INSERT_EMAIL = insert(E)
_UPDATE_EMAIL = update(E).where(E.c.id == bindparam("e_id"))
_EARLIEST_PENDING = select(func.min(E.c.next_attempt_at)).where(E.c.status == PENDING)

_now = bindparam("now", type_=E.c.next_attempt_at.type)
_claimable = and_(E.c.status.in_([PENDING, SENDING]), E.c.next_attempt_at <= _now,
                  or_(E.c.claimed_until.is_(None), E.c.claimed_until < _now))
_SELECT_CLAIMABLE = select(E).where(_claimable).order_by(E.c.id).limit(bindparam("limit"))
# Compare-and-set on the row as read (every claim, and a replay, changes `attempts`): winning
# it means the row selected is the row claimed, so it need not be read again.
_CLAIM = update(E).where(E.c.id == bindparam("e_id"), E.c.attempts == bindparam("seen_attempts"),
                         _claimable).values(status=SENDING, claimed_until=bindparam("lease_until"),
                                            attempts=E.c.attempts + 1)


def save_contact(session: Session, *, user_id: int, username: str, email: str) -> None:
    """Insert or refresh a user's contact details."""
    values = {"username": username, "email": email}
    changed = session.execute(_UPDATE_CONTACT, {"u_id": user_id, **values}).rowcount
    if not changed and find_contact(session, user_id) is None:
        session.execute(_INSERT_CONTACT,
                        {"user_id": user_id, "registered_at": utcnow(), **values})


def find_contact(session: Session, user_id: int) -> Contact | None:
    row = session.execute(_FIND_CONTACT, {"u_id": user_id}).first()
    return Contact(*row) if row else None


def add_email(session: Session, *, event_id: str, user_id: int | None, recipient: str,
              content: EmailContent) -> None:
    """Stage one email (unique per event and kind) in the caller's transaction."""
    now = utcnow()
    books = [{"book_id": b.book_id, "title": b.title} for b in content.books]
    session.execute(_INSERT_EMAIL, {
        "event_id": event_id, "kind": content.kind, "user_id": user_id, "recipient": recipient,
        "subject": content.subject[:255], "body": content.body,
        "attachments": json.dumps(books), "message_id": message_id_for(event_id, content.kind),
        "status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now})


def _to_email(row) -> OutgoingEmail:
    books = tuple(BookRef(b["book_id"], b.get("title")) for b in json.loads(row.attachments))
    return OutgoingEmail(row.id, row.kind, row.recipient, row.subject, row.body, books,
                         row.message_id, row.status, row.attempts, row.last_error)


def claim_due(session: Session, *, lease: timedelta, limit: int = 20) -> list[OutgoingEmail]:
    """Claim due emails for this sender until `now + lease` (compare-and-set, replica-safe).

    A row still `sending` after its lease ran out belongs to a sender that died mid-send: it is
    claimed again and resent with the same Message-ID.
    """
    now = utcnow()
    rows = session.execute(_SELECT_CLAIMABLE, {"now": now, "limit": limit}).all()
    claimed = []
    for row in rows:
        won = session.execute(_CLAIM, {"e_id": row.id, "seen_attempts": row.attempts,
                                       "now": now, "lease_until": now + lease}).rowcount
        session.commit()
        if won:
            claimed.append(replace(_to_email(row), status=SENDING, attempts=row.attempts + 1))
    return claimed


def seconds_until_next_due(session: Session) -> float | None:
    """How long until the earliest pending email is due (None when nothing waits)."""
    earliest = session.execute(_EARLIEST_PENDING).scalar()
    session.rollback()
    if earliest is None:
        return None
    if earliest.tzinfo is None:  # MySQL hands back naive UTC
        earliest = earliest.replace(tzinfo=utcnow().tzinfo)
    return max(0.0, (earliest - utcnow()).total_seconds())


def mark_sent(session: Session, email_id: int) -> None:
    session.execute(_UPDATE_EMAIL, {"e_id": email_id, "status": SENT, "sent_at": utcnow(),
                                    "claimed_until": None, "last_error": None})
    session.commit()


def release(session: Session, email_id: int) -> None:
    """Give back a claimed email that was not attempted (the sender is stopping)."""
    session.execute(update(E).where(E.c.id == email_id, E.c.status == SENDING).values(
        status=PENDING, claimed_until=None, attempts=E.c.attempts - 1))
    session.commit()


def mark_failed(session: Session, email_id: int, *, error: str,
                retry_at: datetime | None) -> None:
    """Schedule another attempt at `retry_at`, or dead-letter the email when it is None."""
    values = {"status": PENDING, "next_attempt_at": retry_at} if retry_at else {"status": DEAD}
    session.execute(_UPDATE_EMAIL, {"e_id": email_id, "claimed_until": None,
                                    "last_error": error[:500], **values})
    session.commit()


def list_emails(session: Session, *, status: str | None = None,
                limit: int = 100) -> list[OutgoingEmail]:
    query = select(E).order_by(E.c.id.desc()).limit(limit)
    if status:
        query = query.where(E.c.status == status)
    return [_to_email(r) for r in session.execute(query).all()]


def replay_dead(session: Session) -> int:
    """Give every dead-lettered email a fresh set of attempts; returns how many."""
    count = session.execute(update(E).where(E.c.status == DEAD).values(
        status=PENDING, attempts=0, next_attempt_at=utcnow(), last_error=None)).rowcount
    session.commit()
    return count
