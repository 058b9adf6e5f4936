"""The mail sender: a thread that sends staged emails, retries with backoff, then dead-letters.

Exactly-once as far as SMTP allows: rows are claimed (leased) in a batch before sending and
marked sent when the batch is settled. The one remaining window is a crash after the SMTP server
accepted a message and before its batch is settled: the lease then runs out and the email is sent
again, with the same Message-ID, so mail clients and deduplicating MTAs can recognise the repeat.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta

from bookstore_shared import telemetry
from bookstore_shared.background import BackgroundLoop, CommitSignal
from bookstore_shared.events import trace_context_of, utcnow
from opentelemetry import trace
from tenacity import RetryCallState, wait_exponential

from ..adapters.catalog import BookPdf, CatalogClient
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
        self._transport.close()

    def _pause(self, uow: NotificationUnitOfWork) -> float:
        """Sleep until the next retry is due, at most `idle_s` (a wake-up cuts it short)."""
        due_in = uow.emails.seconds_until_next_due()
        return self._idle if due_in is None else min(self._idle, due_in + 0.01)

    def send_due(self, limit: int = 20) -> float:
        """Claim up to `limit` due emails and attempt each once; returns how long to sleep before
        the next round: 0 after a batch (more may have been staged meanwhile), else until the next
        retry is due (at most `idle_s`; a commit that stages an email wakes the sender sooner).

        One claim (one commit) for the batch, one SMTP session for its messages and one commit
        settling them. The price: a sender killed mid-batch holds the batch until its lease runs
        out, and the emails it had already handed over go out again then, under the same
        Message-ID. A batch that takes half its lease is cut short: what was not attempted is
        released, never sent after the lease could have passed to another sender.
        """
        with self._uow() as uow:
            claimed = uow.emails.claim_due(lease=self._lease, limit=limit)
            uow.commit()  # the lease holds from here, before anything is sent
            if not claimed:
                # Nothing due: the pause is read in the same session, and the SMTP session of
                # the burst that just ended is closed rather than left idle.
                self._transport.close()
                return self._pause(uow)
            cut_at = time.monotonic() + self._lease.total_seconds() / 2
            sent: list[int] = []
            pdfs: dict[int, BookPdf | None] = {}  # each book's PDF asked for once per batch
            try:
                for n, email in enumerate(claimed):
                    if self._stopping or (n and time.monotonic() > cut_at):
                        uow.emails.release([e.id for e in claimed[n:]])
                        break
                    if self._attempt(uow, email, pdfs):
                        sent.append(email.id)
            finally:
                uow.emails.mark_sent(sent)
                uow.commit()
            for email in claimed:
                if email.id in sent:
                    log.info("email sent", extra={"email_id": email.id, "kind": email.kind})
        return 0.0  # more may have been staged while this batch was sent

    def _attempt(self, uow: NotificationUnitOfWork, email: OutgoingEmail,
                 pdfs: dict[int, BookPdf | None]) -> bool:
        """Hand one email to the transport; a failure is settled in `uow` (retry or dead)."""
        try:
            with self._span(email):
                self._transport.send(self._build(email, pdfs))
            return True
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
            return False

    def _span(self, email: OutgoingEmail):
        """The send, in the trace of the event that staged the email (when traced)."""
        if self._tracer is None:
            return nullcontext()
        return self._tracer.start_as_current_span(
            f"send {email.kind} email", context=trace_context_of(email.traceparent),
            kind=trace.SpanKind.CLIENT,
            attributes={"email.id": email.id, "email.attempt": email.attempts,
                        "email.transport": repr(self._transport)})

    def _build(self, email: OutgoingEmail, pdfs: dict[int, BookPdf | None]):
        attachments, notes, used = [], [], set()
        for book in email.books:
            if book.book_id not in pdfs:
                pdfs[book.book_id] = self._catalog.fetch_pdf(book.book_id)
            pdf = pdfs[book.book_id]
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
