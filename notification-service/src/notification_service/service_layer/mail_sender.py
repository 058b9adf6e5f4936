"""The mail sender: a thread that sends staged emails, retries with backoff, then dead-letters.

Exactly-once as far as SMTP allows: rows are claimed (leased) before sending and marked sent when
their batch is settled. An email is claimed by the process that stages it, in the same
transaction, and handed to that process's sender after COMMIT (`MailHandOff`): the usual path
reads nothing back. The sender claims from the table what no hand-off covers: retries when they
are due, dead-lettered emails an admin replays, and emails whose lease ran out (their process
died before sending them). The one remaining window is a crash after the SMTP server accepted a
message and before its batch is settled: the lease then runs out and the email is sent again,
with the same Message-ID, so mail clients and deduplicating MTAs can recognise the repeat.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
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


@dataclass(frozen=True)
class MailHandOff:
    """How the email handlers stage mail: claimed for `lease` from the start, and handed to the
    sender (woken by `signal`) once the transaction commits."""

    signal: CommitSignal
    lease: timedelta

    def stage(self, uow: NotificationUnitOfWork, **email) -> None:
        """`uow.emails.add(**email)`, claimed, and handed over after COMMIT."""
        uow.emails.add(**email, claimed_for=self.lease)
        uow.hand_mail_to(self.signal)


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
        self._next_poll = 0.0  # when the table is due to be looked at again
        self._tracer = telemetry.tracer("notification")
        self._loop = BackgroundLoop("mail-sender", self.send_due, signal=signal, backoff_s=1.0)

    @property
    def lease(self) -> timedelta:
        """How long a claimed email is the claiming sender's alone."""
        return self._lease

    def start(self) -> None:
        self._stopping = False
        self._loop.start()

    def stop(self) -> None:
        self._stopping = True  # ends a burst after the email being sent
        self._loop.stop()
        self._release_handed()
        self._transport.close()

    def _release_handed(self) -> None:
        """Give back what was handed over and not sent: due at once for the next sender,
        instead of when its lease runs out."""
        left = [email.id for _, email in self.signal.take(self.signal.waiting())]
        if not left:
            return
        try:
            with self._uow() as uow:
                uow.emails.release(left)
                uow.commit()
        except Exception as exc:  # noqa: BLE001 - their lease runs out, then they are sent
            log.warning("could not release unsent emails", extra={
                "emails": len(left), "error": f"{type(exc).__name__}: {exc}"})

    def _pause(self, uow: NotificationUnitOfWork) -> float:
        """Sleep until the next retry is due, at most `idle_s` (a wake-up cuts it short)."""
        due_in = uow.emails.seconds_until_next_due()
        return self._idle if due_in is None else min(self._idle, due_in + 0.01)

    def wake(self) -> None:
        """Look for due emails in the table now (after a replay of dead-lettered ones)."""
        self.signal.wake()

    def send_due(self, limit: int = 20) -> float:
        """Send up to `limit` emails, those handed over by commits first, else those claimed
        from the table; returns how long to sleep before the next round: 0 while more wait,
        else until the next retry is due (at most `idle_s`; a commit that stages an email, or
        `wake()`, wakes the sender sooner).

        One claim (one commit) for a batch from the table, one SMTP session for the messages
        of a burst and one commit settling each batch. The price: a sender killed mid-batch
        holds the batch until its lease runs out, and the emails it had already handed over go
        out again then, under the same Message-ID. A batch that takes half its lease is cut
        short: what was not attempted is released, never sent after the lease could have passed
        to another sender.
        """
        handed = self.signal.take(limit)
        if handed:
            oldest = min(staged_at for staged_at, _ in handed)
            with self._uow() as uow:
                failed = self._send(uow, [email for _, email in handed],
                                    cut_at=oldest + self._lease.total_seconds() / 2)
            if failed or self.signal.waiting():
                return 0.0  # a retry may be due soon: the next round finds out
            return max(0.0, self._next_poll - time.monotonic())
        with self._uow() as uow:
            claimed = uow.emails.claim_due(lease=self._lease, limit=limit)
            uow.commit()  # the lease holds from here, before anything is sent
            if not claimed:
                # Nothing due: the pause is read in the same session, and the SMTP session of
                # the burst that just ended is closed rather than left idle.
                self._transport.close()
                pause = self._pause(uow)
                self._next_poll = time.monotonic() + pause
                return pause
            self._send(uow, claimed, cut_at=time.monotonic() + self._lease.total_seconds() / 2)
        return 0.0  # more may have been staged while this batch was sent

    def _send(self, uow: NotificationUnitOfWork, batch: list[OutgoingEmail], *,
              cut_at: float) -> int:
        """Attempt each claimed email once (until `cut_at`), settle the batch in one commit;
        returns how many failed."""
        sent: list[int] = []
        pdfs: dict[int, BookPdf | None] = {}  # each book's PDF asked for once per batch
        attempted = 0
        try:
            for n, email in enumerate(batch):
                if self._stopping or time.monotonic() > cut_at:
                    uow.emails.release([e.id for e in batch[n:]])
                    break
                attempted += 1
                if self._attempt(uow, email, pdfs):
                    sent.append(email.id)
        finally:
            uow.emails.mark_sent(sent)
            uow.commit()
        for email in batch:
            if email.id in sent:
                log.info("email sent", extra={"email_id": email.id, "kind": email.kind})
        return attempted - len(sent)

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
