"""A batch of email events reads its users' contact details in one statement and writes its
emails in one statement (real MySQL); what the transaction writes is what it reads afterwards."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import notification_service
import pytest
from bookstore_shared.background import CommitSignal
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import OrderStatusChanged
from bookstore_shared.runtime import ServiceRuntime
from bookstore_testing.kit import statements_sent
from notification_service.adapters.orm import INBOX, OUTBOX
from notification_service.config import Settings
from notification_service.domain.model import SENDING, Contact
from notification_service.service_layer.handlers import mail_status_change
from notification_service.service_layer.mail_sender import MailHandOff
from notification_service.service_layer.unit_of_work import NotificationUnitOfWork

MIGRATIONS = Path(notification_service.__file__).parent / "migrations"


@pytest.fixture
def runtime(infra, new_instance):
    runtime = ServiceRuntime(Settings(mysql_url=infra.mysql_url, instance=new_instance()),
                             outbox_table=OUTBOX, inbox_table=INBOX, migrations_dir=MIGRATIONS)
    runtime.prepare_database()
    yield runtime
    runtime.engine.dispose()


def unit_of_work(runtime) -> NotificationUnitOfWork:
    return NotificationUnitOfWork(runtime.sessions, runtime.outbox, producer="tests")


def on_file(runtime, *contacts: Contact) -> None:
    """Commit these users' contact details."""
    with unit_of_work(runtime) as u:
        for contact in contacts:
            u.contacts.save(contact)
        u.commit()


def mail_hand_off(runtime) -> tuple[CommitSignal, MailHandOff]:
    """A hand-off to the sender as the service wires it, and the signal its commits mark."""
    signal = CommitSignal("tests_mail")
    signal.watch(runtime.sessions)
    return signal, MailHandOff(signal, lease=timedelta(minutes=5))


ANN, BOB = Contact(1, "ann", "ann@example.com"), Contact(2, "bob", "bob@example.com")


def shipped(user_id: int) -> Envelope:
    return Envelope.wrap(OrderStatusChanged(order_id=user_id * 10, user_id=user_id,
                                            status="SHIPPED", previous_status="PROCESSING"),
                         producer="tests")


def test_a_batch_reads_every_contact_at_once_and_sees_its_own_writes(runtime):
    on_file(runtime, ANN, BOB)
    with unit_of_work(runtime) as u, statements_sent(runtime.engine, "FROM user_contact") as reads:
        u.before_batch([shipped(1), shipped(2), shipped(1), shipped(3)])
        assert len(reads) == 1 and " IN (" in reads[0]
        assert u.contacts.find(1) == ANN
        assert u.contacts.find(2) == BOB
        assert len(reads) == 1  # answered from what was read ahead
        assert u.contacts.find(3) is None  # unknown: asked again, and still unknown
        u.contacts.save(Contact(3, "cy", "cy@example.com"))
        u.contacts.save(Contact(1, "ann", "ann@new.example.com"))
        assert u.contacts.find(3) == Contact(3, "cy", "cy@example.com")
        assert u.contacts.find(1) == Contact(1, "ann", "ann@new.example.com")
        u.commit()
    with unit_of_work(runtime) as u:
        assert u.contacts.find(1).email == "ann@new.example.com"
        assert u.contacts.find(3).username == "cy"


@pytest.fixture
def without_returning(runtime, monkeypatch):
    """The database as MySQL 8 (compose's) is: no INSERT ... RETURNING."""
    for flag in ("insert_returning", "insert_executemany_returning",
                 "insert_executemany_returning_sort_by_parameter_order"):
        monkeypatch.setattr(runtime.engine.dialect, flag, False)
    return runtime


def test_the_emails_of_a_batch_are_written_in_one_insert_and_handed_over_with_their_ids(
        without_returning):
    runtime = without_returning
    signal, hand_off = mail_hand_off(runtime)
    on_file(runtime, ANN, BOB)
    events = [shipped(1), shipped(2)]
    with unit_of_work(runtime) as u, statements_sent(runtime.engine, "INSERT INTO outgoing_email") as inserts:
        for env in events:
            mail_status_change(env.payload(), uow=u, envelope=env, mail_pending=hand_off)
        assert inserts == [] and signal.waiting() == 0  # nothing written before the commit
        u.commit()
    assert len(inserts) == 1 and "RETURNING" not in inserts[0]
    handed = [email for _, email in signal.take(10)]
    with unit_of_work(runtime) as u:
        rows = {e.id: e for e in u.emails.newest()}
    assert [(e.recipient, e.status) for e in handed] == [("ann@example.com", SENDING),
                                                        ("bob@example.com", SENDING)]
    assert [rows[e.id].message_id for e in handed] == [e.message_id for e in handed]


def test_emails_staged_in_a_transaction_that_rolls_back_are_neither_written_nor_handed(
        runtime):
    signal, hand_off = mail_hand_off(runtime)
    on_file(runtime, ANN)
    with unit_of_work(runtime) as u:
        env = shipped(1)
        with u.step():
            mail_status_change(env.payload(), uow=u, envelope=env, mail_pending=hand_off)
        u.commit()  # the next step of the same unit of work: what the first staged is gone
        assert u.emails.newest() == [] and signal.waiting() == 0


def test_a_single_email_is_one_insert_and_handed_over_with_its_id(without_returning):
    runtime = without_returning
    signal, hand_off = mail_hand_off(runtime)
    on_file(runtime, ANN)
    with unit_of_work(runtime) as u:
        env = shipped(1)
        with statements_sent(runtime.engine, "outgoing_email") as sent:
            mail_status_change(env.payload(), uow=u, envelope=env, mail_pending=hand_off)
            u.commit()
        assert len(sent) == 1 and sent[0].startswith("INSERT"), sent
        [(_, handed)] = signal.take(10)
        [row] = u.emails.newest()
        assert (handed.id, handed.message_id) == (row.id, row.message_id)
