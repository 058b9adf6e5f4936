"""The mail sender: a thread that sends staged emails, retries with backoff, then dead-letters.

Exactly-once as far as SMTP allows: a row is claimed (leased) before sending and marked sent
right after. The one remaining window is a crash after the SMTP server accepted the message and
before the row is marked sent: the lease then runs out and the email is sent again, with the
same Message-ID, so mail clients and deduplicating MTAs can recognise the repeat.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta

from bookstore_shared import telemetry
from bookstore_shared.background import BackgroundLoop, CommitSignal
from bookstore_shared.events import trace_context_of, utcnow
from opentelemetry import trace
from tenacity import RetryCallState, wait_exponential

from ..adapters.catalog import CatalogClient
from ..adapters.mail import MailTransport
from ..domain import emails
from ..domain.model import OutgoingEmail
from .unit_of_work import NotificationUnitOfWork

log = logging.getLogger(__name__)

MAIL_PENDING = "notification_mail_pending"
"""The commit signal a transaction that staged an email marks (`uow.wake_after_commit`)."""


def backoff_schedule(*, base_s: float, max_s: float) -> Callable[[int], float]:
    """Seconds to wait after the n-th failed attempt: exponential, capped (tenacity's policy)."""
    policy = wait_exponential(multiplier=base_s, min=base_s, max=max_s)

    def delay(attempt: int) -> float:
        state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})
        state.attempt_number = max(1, attempt)
        return float(policy(state))

    return delay


class MailSender:
    """Sends due `outgoing_email` rows; woken at once when a transaction that staged one
    commits with `signal` marked."""

    def __init__(self, *, uow: Callable[[], NotificationUnitOfWork], signal: CommitSignal,
                 transport: MailTransport, catalog: CatalogClient, sender: str,
                 max_attempts: int, backoff: Callable[[int], float],
                 lease: timedelta = timedelta(minutes=5), idle_s: float = 2.0):
        self._uow = uow
        self._transport = transport
        self._catalog = catalog
        self._sender = sender
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._lease = lease
        self._idle = idle_s
        self._stopping = False
        self.signal = signal
        self._tracer = telemetry.tracer("notification")
        self._loop = BackgroundLoop("mail-sender", self.send_due, signal=signal, backoff_s=1.0)

    def wake(self) -> None:
        self.signal.wake()

    def start(self) -> None:
        self._stopping = False
        self._loop.start()

    def stop(self) -> None:
        self._stopping = True  # ends a burst after the email being sent
        self._loop.stop()

    def _pause(self, uow: NotificationUnitOfWork) -> float:
        """Sleep until the next retry is due, at most `idle_s` (a wake-up cuts it short)."""
        due_in = uow.emails.seconds_until_next_due()
        return self._idle if due_in is None else min(self._idle, due_in + 0.01)

    def send_due(self, limit: int = 20) -> float:
        """Attempt up to `limit` due emails once each; returns how long to sleep before the next
        round (0 when the limit was reached or the sender is stopping).

        Emails are claimed one at a time, so a sender killed mid-send holds only the one it was
        sending (until its lease runs out), never a whole batch.
        """
        attempted = 0
        with self._uow() as uow:
            while attempted < limit and not self._stopping:
                email = uow.emails.claim_next(lease=self._lease)
                uow.commit()  # the lease holds from here, before anything is sent
                if email is None:
                    # Nothing left to claim: the pause is read in the same session, and no
                    # second round runs just to find the queue still empty.
                    return self._pause(uow)
                self._attempt(uow, email)
                attempted += 1
        return 0.0

    def _attempt(self, uow: NotificationUnitOfWork, email: OutgoingEmail) -> None:
        try:
            with self._span(email):
                self._transport.send(self._build(email))
        except Exception as exc:  # noqa: BLE001 - every failure is retried, then dead-lettered
            error = f"{type(exc).__name__}: {exc}"
            if email.attempts >= self._max_attempts:
                log.error("email dead-lettered", extra={"email_id": email.id, "error": error,
                                                        "attempts": email.attempts})
                uow.emails.mark_failed(email.id, error=error, retry_at=None)
            else:
                delay = self._backoff(email.attempts)
                log.warning("email failed, will retry", extra={
                    "email_id": email.id, "attempt": email.attempts, "retry_in_s": delay,
                    "error": error})
                uow.emails.mark_failed(email.id, error=error,
                                       retry_at=utcnow() + timedelta(seconds=delay))
            uow.commit()
            return
        uow.emails.mark_sent(email.id)
        uow.commit()
        log.info("email sent", extra={"email_id": email.id, "kind": email.kind})

    def _span(self, email: OutgoingEmail):
        """The send, in the trace of the event that staged the email (when traced)."""
        if self._tracer is None:
            return nullcontext()
        return self._tracer.start_as_current_span(
            f"send {email.kind} email", context=trace_context_of(email.traceparent),
            kind=trace.SpanKind.CLIENT,
            attributes={"email.id": email.id, "email.attempt": email.attempts,
                        "email.transport": repr(self._transport)})

    def _build(self, email: OutgoingEmail):
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
