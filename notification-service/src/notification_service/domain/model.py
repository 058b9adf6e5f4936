"""What the service remembers: who a user_id is mailed at, and each email on its way out."""
from __future__ import annotations

from dataclasses import dataclass

from .emails import BookRef

# An email row's life: pending -> sending (leased by one sender) -> sent, or back to pending
# with a later attempt, or dead after its last attempt (an admin may replay it).
PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"


@dataclass(frozen=True)
class Contact:
    """A registered user's address (from user.registered; orders only carry the user_id)."""

    user_id: int
    username: str
    email: str


@dataclass(frozen=True)
class OutgoingEmail:
    """One staged email as the sender and the admin view see it."""

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
    traceparent: str | None = None  # the trace the email was staged in, if any
