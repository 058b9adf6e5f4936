"""The mail sender on the fake unit of work: each staged email sent once, retried, dead-lettered,
with the purchased PDFs attached when they are sent."""
from __future__ import annotations

from datetime import timedelta

from bookstore_shared.background import CommitSignal
from notification_service.adapters.catalog import BookPdf
from notification_service.domain import emails
from notification_service.domain.model import DEAD, PENDING, SENT
from notification_service.service_layer.mail_sender import MailSender


class Transport:
    """Refuses the first `failures` messages, then keeps what it is given."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.sent = []

    def send(self, message) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("SMTP down")
        self.sent.append(message)


class Catalog:
    def __init__(self, pdfs: dict[int, bytes]):
        self.pdfs = pdfs

    def fetch_pdf(self, book_id: int) -> BookPdf | None:
        return BookPdf(self.pdfs[book_id], "x.pdf") if book_id in self.pdfs else None


def sender_for(uow, transport, *, catalog=None, max_attempts: int = 3) -> MailSender:
    return MailSender(uow=lambda: uow, signal=CommitSignal("test"), transport=transport,
                      catalog=catalog or Catalog({}), sender="Bookstore <no-reply@b.local>",
                      max_attempts=max_attempts, backoff=lambda attempt: 0.0,
                      lease=timedelta(minutes=1), idle_s=0.5)


def stage(uow, event_id: str, content: emails.EmailContent) -> None:
    with uow:
        uow.emails.add(event_id=event_id, user_id=1, recipient="ann@example.com",
                       content=content)
        uow.commit()


def test_a_staged_email_is_sent_once_under_its_stable_message_id(make_uow):
    uow, transport = make_uow(), Transport()
    stage(uow, "e-1", emails.welcome(username="ann"))
    sender = sender_for(uow, transport)

    assert sender.send_due() == 0.5  # nothing else waits: idle until woken
    sender.send_due()

    [message] = transport.sent
    assert (message["To"], message["Message-ID"]) == ("ann@example.com",
                                                      "<e-1.welcome@bookstore.local>")
    assert [e.status for e in uow.emails.newest()] == [SENT]


def test_a_failing_email_is_retried_until_it_goes_through(make_uow):
    uow, transport = make_uow(), Transport(failures=2)
    stage(uow, "e-2", emails.welcome(username="ann"))

    sender_for(uow, transport).send_due()

    [email] = uow.emails.newest()
    assert (email.status, email.attempts, len(transport.sent)) == (SENT, 3, 1)


def test_an_email_failing_every_attempt_is_dead_lettered_with_its_error_and_can_be_replayed(
        make_uow):
    uow, transport = make_uow(), Transport(failures=2)
    stage(uow, "e-3", emails.welcome(username="ann"))
    sender = sender_for(uow, transport, max_attempts=2)

    sender.send_due()
    [email] = uow.emails.newest()
    assert (email.status, email.attempts) == (DEAD, 2)
    assert email.last_error == "ConnectionRefusedError: SMTP down"

    assert uow.emails.replay_dead() == 1 and uow.emails.newest()[0].status == PENDING
    sender.send_due()
    assert uow.emails.newest()[0].status == SENT and len(transport.sent) == 1


def test_the_purchase_email_carries_each_pdf_and_says_which_one_is_missing(make_uow):
    uow, transport = make_uow(), Transport()
    stage(uow, "e-4", emails.purchase(username="ann", order_id=9, books=[
        emails.BookRef(1, "Dune"), emails.BookRef(2, "Gone")]))

    sender_for(uow, transport, catalog=Catalog({1: b"%PDF-1.4 dune"})).send_due()

    [message] = transport.sent
    parts = message.get_payload()
    assert [p.get_filename() for p in parts[1:]] == ["Dune.pdf"]
    assert parts[1].get_payload(decode=True) == b"%PDF-1.4 dune"
    assert "The PDF of Gone is not available any more." in parts[0].get_payload()
