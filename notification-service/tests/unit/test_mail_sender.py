"""The mail sender on the fake unit of work: each staged email sent once, retried, dead-lettered,
with the purchased PDFs attached when they are sent."""
from __future__ import annotations

import time
from datetime import timedelta

from bookstore_shared.background import CommitSignal
from notification_service.adapters.catalog import BookPdf
from notification_service.domain import emails
from notification_service.domain.model import DEAD, PENDING, SENT
from notification_service.service_layer.mail_sender import MailHandOff, MailSender


class Transport:
    """Refuses the first `failures` messages, then keeps what it is given (taking `slow_s`
    each); counts the sessions closed."""

    def __init__(self, failures: int = 0, slow_s: float = 0.0):
        self.failures = failures
        self.slow_s = slow_s
        self.sent = []
        self.closed = 0

    def send(self, message) -> None:
        time.sleep(self.slow_s)
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("SMTP down")
        self.sent.append(message)

    def close(self) -> None:
        self.closed += 1


class Catalog:
    def __init__(self, pdfs: dict[int, bytes]):
        self.pdfs = pdfs
        self.asked: list[int] = []

    def fetch_pdf(self, book_id: int) -> BookPdf | None:
        self.asked.append(book_id)
        return BookPdf(self.pdfs[book_id], "x.pdf") if book_id in self.pdfs else None


def sender_for(uow, transport, *, catalog=None, max_attempts: int = 3,
               lease: timedelta = timedelta(minutes=1)) -> MailSender:
    return MailSender(uow=lambda: uow, signal=CommitSignal("test"), transport=transport,
                      catalog=catalog or Catalog({}), sender="Bookstore <no-reply@b.local>",
                      max_attempts=max_attempts, backoff=lambda attempt: 0.0,
                      lease=lease, idle_s=0.5)


def drain(sender: MailSender, rounds: int = 10) -> float:
    """Run the sender's rounds until it would sleep; returns that pause."""
    for _ in range(rounds):
        pause = sender.send_due()
        if pause:
            return pause
    raise AssertionError(f"still busy after {rounds} rounds")


def stage(uow, event_id: str, content: emails.EmailContent) -> None:
    with uow:
        uow.emails.add(event_id=event_id, user_id=1, recipient="ann@example.com",
                       content=content)
        uow.commit()


def test_a_staged_email_is_sent_once_under_its_stable_message_id(make_uow):
    uow, transport = make_uow(), Transport()
    stage(uow, "e-1", emails.welcome(username="ann"))
    sender = sender_for(uow, transport)

    assert drain(sender) == 0.5  # nothing else waits: idle until woken
    assert drain(sender) == 0.5

    [message] = transport.sent
    assert (message["To"], message["Message-ID"]) == ("ann@example.com",
                                                      "<e-1.welcome@bookstore.local>")
    assert [e.status for e in uow.emails.newest()] == [SENT]


def test_a_failing_email_is_retried_until_it_goes_through(make_uow):
    uow, transport = make_uow(), Transport(failures=2)
    stage(uow, "e-2", emails.welcome(username="ann"))

    drain(sender_for(uow, transport))

    [email] = uow.emails.newest()
    assert (email.status, email.attempts, len(transport.sent)) == (SENT, 3, 1)


def test_an_email_failing_every_attempt_is_dead_lettered_with_its_error_and_can_be_replayed(
        make_uow):
    uow, transport = make_uow(), Transport(failures=2)
    stage(uow, "e-3", emails.welcome(username="ann"))
    sender = sender_for(uow, transport, max_attempts=2)

    drain(sender)
    [email] = uow.emails.newest()
    assert (email.status, email.attempts) == (DEAD, 2)
    assert email.last_error == "ConnectionRefusedError: SMTP down"

    assert uow.emails.replay_dead() == 1 and uow.emails.newest()[0].status == PENDING
    drain(sender)
    assert uow.emails.newest()[0].status == SENT and len(transport.sent) == 1


def test_the_purchase_email_carries_each_pdf_and_says_which_one_is_missing(make_uow):
    uow, transport = make_uow(), Transport()
    stage(uow, "e-4", emails.purchase(username="ann", order_id=9, books=[
        emails.BookRef(1, "Dune"), emails.BookRef(2, "Gone")]))

    drain(sender_for(uow, transport, catalog=Catalog({1: b"%PDF-1.4 dune"})))

    [message] = transport.sent
    parts = message.get_payload()
    assert [p.get_filename() for p in parts[1:]] == ["Dune.pdf"]
    assert parts[1].get_payload(decode=True) == b"%PDF-1.4 dune"
    assert "The PDF of Gone is not available any more." in parts[0].get_payload()


def test_due_emails_go_out_as_one_batch_one_claim_and_one_settling_commit(make_uow):
    uow, transport = make_uow(), Transport()
    for n in range(3):
        stage(uow, f"e-{n}", emails.welcome(username=f"user{n}"))
    commits_before = uow.commits

    assert sender_for(uow, transport).send_due() == 0.0  # a batch went: look again at once

    assert len(transport.sent) == 3
    assert uow.commits - commits_before == 2  # the claim, then the three marked sent
    assert {e.status for e in uow.emails.newest()} == {SENT}
    assert transport.closed == 0  # one session for the burst...
    assert drain(sender_for(uow, transport)) == 0.5
    assert transport.closed == 1  # ...closed once nothing more was due


def test_a_batch_outlasting_half_its_lease_releases_what_it_did_not_attempt(make_uow):
    uow, transport = make_uow(), Transport(slow_s=0.06)
    for n in range(3):
        stage(uow, f"e-{n}", emails.welcome(username=f"user{n}"))
    sender = sender_for(uow, transport, lease=timedelta(seconds=0.1))

    sender.send_due()

    assert len(transport.sent) == 1
    first, *released = sorted(uow.emails.newest(), key=lambda e: e.id)
    assert first.status == SENT
    # given back untried: due again at once, no attempt used, not leased by anyone
    assert [(e.status, e.attempts) for e in released] == [(PENDING, 0), (PENDING, 0)]
    assert len(uow.emails.claim_due(lease=timedelta(seconds=1), limit=10)) == 2


def test_a_batch_asks_the_catalog_for_each_books_pdf_once(make_uow):
    uow, transport = make_uow(), Transport()
    catalog = Catalog({1: b"%PDF-1.4 dune", 2: b"%PDF-1.4 emma"})
    for order_id, books in ((1, [1]), (2, [1, 2]), (3, [2, 1])):
        stage(uow, f"e-{order_id}", emails.purchase(username="ann", order_id=order_id, books=[
            emails.BookRef(b, f"Book {b}") for b in books]))

    sender_for(uow, transport, catalog=catalog).send_due()

    assert len(transport.sent) == 3 and sorted(catalog.asked) == [1, 2]
    attached = [[p.get_payload(decode=True) for p in m.get_payload()[1:]] for m in transport.sent]
    assert attached == [[b"%PDF-1.4 dune"], [b"%PDF-1.4 dune", b"%PDF-1.4 emma"],
                        [b"%PDF-1.4 emma", b"%PDF-1.4 dune"]]


class CountingClaims:
    """The fake repository, counting the sender's looks at the table."""

    def __init__(self, uow):
        self.claims = 0
        claim_due = uow.emails.claim_due

        def counted(**kwargs):
            self.claims += 1
            return claim_due(**kwargs)

        uow.emails.claim_due = counted


def hand_over(uow, sender: MailSender, mail: MailHandOff, event_id: str,
              content: emails.EmailContent) -> None:
    """Stage as the email handlers do, then hand over as the commit does."""
    with uow:
        mail.stage(uow, event_id=event_id, user_id=1, recipient="ann@example.com",
                   content=content)
        uow.commit()
    sender.signal.hand(*uow.handed)
    uow.handed.clear()


def test_a_handed_over_email_is_sent_and_settled_without_a_claim_from_the_table(make_uow):
    uow, transport = make_uow(), Transport()
    sender = sender_for(uow, transport)
    mail = MailHandOff(sender.signal, lease=sender.lease)
    counting = CountingClaims(uow)
    drain(sender)  # the start-up look at the table: nothing there
    commits = uow.commits

    hand_over(uow, sender, mail, "e-20", emails.welcome(username="ann"))
    hand_over(uow, sender, mail, "e-21", emails.welcome(username="bob"))
    pause = sender.send_due()

    assert [m["Message-ID"] for m in transport.sent] == ["<e-20.welcome@bookstore.local>",
                                                         "<e-21.welcome@bookstore.local>"]
    assert [(e.status, e.attempts) for e in uow.emails.newest()] == [(SENT, 1), (SENT, 1)]
    assert counting.claims == 1 and uow.commits == commits + 3  # two stagings, one settling
    assert 0 < pause <= 0.5  # idle until the table's next look is due


def test_a_handed_over_email_that_fails_is_retried_from_the_table(make_uow):
    uow, transport = make_uow(), Transport(failures=1)
    sender = sender_for(uow, transport)
    hand_over(uow, sender, MailHandOff(sender.signal, lease=sender.lease), "e-22",
              emails.welcome(username="ann"))

    assert sender.send_due() == 0.0  # failed: the next round looks for the retry
    drain(sender)

    [email] = uow.emails.newest()
    assert (email.status, email.attempts, len(transport.sent)) == (SENT, 2, 1)


def test_emails_handed_over_and_not_sent_when_the_sender_stops_are_due_at_once_again(make_uow):
    uow, transport = make_uow(), Transport()
    sender = sender_for(uow, transport, lease=timedelta(minutes=5))
    hand_over(uow, sender, MailHandOff(sender.signal, lease=sender.lease), "e-23",
              emails.welcome(username="ann"))
    sender.stop()
    assert transport.sent == []
    [email] = uow.emails.newest()
    assert (email.status, email.attempts) == (PENDING, 0)  # not waiting for its lease

    drain(sender_for(uow, transport))  # the next sender (a restart, another replica)
    assert [m["Message-ID"] for m in transport.sent] == ["<e-23.welcome@bookstore.local>"]
