"""The mail sender: a thread that sends staged emails, retries with backoff, then dead-letters.

Exactly-once as far as SMTP allows: a row is claimed (leased) before sending and marked sent
right after. The one remaining window is a crash after the SMTP server accepted the message and
before the row is marked sent: the lease then runs out and the email is sent again, with the
same Message-ID, so mail clients and deduplicating MTAs can recognise the repeat.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from bookstore_shared.background import BackgroundLoop, CommitSignal
from bookstore_shared.events import utcnow
from sqlalchemy.orm import sessionmaker
from tenacity import RetryCallState, wait_exponential

from ..adapters import repository
from ..adapters.catalog import CatalogClient
from ..adapters.mail import MailTransport
from ..domain import emails
from .handlers import MAIL_PENDING

log = logging.getLogger(__name__)


def backoff_schedule(*, base_s: float, max_s: float) -> Callable[[int], float]:
    """Seconds to wait after the n-th failed attempt: exponential, capped (tenacity's policy)."""
    policy = wait_exponential(multiplier=base_s, min=base_s, max=max_s)

    def delay(attempt: int) -> float:
        state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})
        state.attempt_number = max(1, attempt)
        return float(policy(state))

    return delay


class MailSender:
    """Sends due `outgoing_email` rows; woken at once when a consumer stages one."""

    def __init__(self, *, sessions: sessionmaker, transport: MailTransport, catalog: CatalogClient,
                 sender: str, max_attempts: int, backoff: Callable[[int], float],
                 lease: timedelta = timedelta(minutes=5), idle_s: float = 2.0):
        self._sessions = sessions
        self._transport = transport
        self._catalog = catalog
        self._sender = sender
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._lease = lease
        self._idle = idle_s
        self._stopping = False
        self._signal = CommitSignal(MAIL_PENDING)  # a consumer staged an email
        self._signal.watch(sessions)
        self._loop = BackgroundLoop("mail-sender", self.send_due, signal=self._signal,
                                    backoff_s=1.0)

    def wake(self) -> None:
        self._signal.wake()

    def start(self) -> None:
        self._stopping = False
        self._loop.start()

    def stop(self) -> None:
        self._stopping = True  # ends a burst after the email being sent
        self._loop.stop()

    def _pause(self, session) -> float:
        """Sleep until the next retry is due, at most `idle_s` (a wake-up cuts it short)."""
        due_in = repository.seconds_until_next_due(session)
        return self._idle if due_in is None else min(self._idle, due_in + 0.01)

    def send_due(self, limit: int = 20) -> float:
        """Attempt up to `limit` due emails once each; returns how long to sleep before the next
        round (0 when the limit was reached or the sender is stopping).

        Emails are claimed one at a time, so a sender killed mid-send holds only the one it was
        sending (until its lease runs out), never a whole batch.
        """
        attempted = 0
        with self._sessions() as session:
            while attempted < limit and not self._stopping:
                claimed = repository.claim_due(session, lease=self._lease, limit=1)
                if not claimed:
                    # Nothing left to claim: the pause is read in the same session, and no
                    # second round runs just to find the queue still empty.
                    return self._pause(session)
                self._attempt(session, claimed[0])
                attempted += 1
        return 0.0

    def _attempt(self, session, email: repository.OutgoingEmail) -> None:
        try:
            self._transport.send(self._build(email))
        except Exception as exc:  # noqa: BLE001 - every failure is retried, then dead-lettered
            error = f"{type(exc).__name__}: {exc}"
            if email.attempts >= self._max_attempts:
                log.error("email dead-lettered", extra={"email_id": email.id, "error": error,
                                                        "attempts": email.attempts})
                repository.mark_failed(session, email.id, error=error, retry_at=None)
            else:
                delay = self._backoff(email.attempts)
                log.warning("email failed, will retry", extra={
                    "email_id": email.id, "attempt": email.attempts, "retry_in_s": delay,
                    "error": error})
                repository.mark_failed(session, email.id, error=error,
                                       retry_at=utcnow() + timedelta(seconds=delay))
            return
        repository.mark_sent(session, email.id)
        log.info("email sent", extra={"email_id": email.id, "kind": email.kind})

    def _build(self, email: repository.OutgoingEmail):
        attachments, notes, used = [], [], set()
        for book in email.books:
            pdf = self._catalog.fetch_pdf(book.book_id)
            if pdf is None:
                notes.append(f"The PDF of {book.title or f'book #{book.book_id}'} is not "
                             "available any more.")
                continue
            name = emails.attachment_filename(book.title or _stem(pdf.filename),
                                              fallback=f"book-{book.book_id}")
            name = emails.unique_filename(name, used)
            attachments.append((name, pdf.data))
        body = email.body + ("\n" + "\n".join(notes) + "\n" if notes else "")
        return emails.build_message(sender=self._sender, recipient=email.recipient,
                                    subject=email.subject, body=body,
                                    message_id=email.message_id, attachments=attachments)


def _stem(filename: str | None) -> str | None:
    return filename[:-4] if filename and filename.lower().endswith(".pdf") else filename
