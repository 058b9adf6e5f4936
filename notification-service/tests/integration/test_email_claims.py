"""The email claims on real MySQL: an email staged for this process's sender (the hand-off) is
not claimed from the table by any sender until its lease runs out; then it is, once."""
from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import notification_service
import pytest
from bookstore_shared.runtime import ServiceRuntime
from notification_service.adapters.orm import INBOX, OUTBOX
from notification_service.config import Settings
from notification_service.domain import emails
from notification_service.domain.model import PENDING, SENDING
from notification_service.service_layer.unit_of_work import NotificationUnitOfWork

MIGRATIONS = Path(notification_service.__file__).parent / "migrations"


@pytest.fixture
def uow(infra, new_instance):
    settings = Settings(mysql_url=infra.mysql_url, instance=new_instance())
    runtime = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX,
                             migrations_dir=MIGRATIONS)
    runtime.prepare_database()
    yield lambda: NotificationUnitOfWork(runtime.sessions, runtime.outbox, producer="tests")
    runtime.engine.dispose()


def stage(uow, event_id: str, claimed_for: timedelta | None):
    with uow() as u:
        u.emails.add(event_id=event_id, user_id=1, recipient="ann@example.com",
                     content=emails.welcome(username="ann"), claimed_for=claimed_for)
        [email] = u.emails.flush()
        u.commit()
    return email


def claim(uow) -> list:
    with uow() as u:
        claimed = u.emails.claim_due(lease=timedelta(minutes=5), limit=10)
        u.commit()
    return claimed


def test_an_email_staged_for_its_process_is_claimed_by_no_sender_until_its_lease_runs_out(uow):
    handed = stage(uow, "e-1", claimed_for=timedelta(seconds=1))
    plain = stage(uow, "e-2", claimed_for=None)
    assert (handed.status, handed.attempts) == (SENDING, 1) and handed.id != plain.id
    assert (plain.status, plain.attempts) == (PENDING, 0)

    assert [e.id for e in claim(uow)] == [plain.id]  # the handed one is not the table's
    time.sleep(1.2)
    [again] = claim(uow)  # its process died: after the lease, another sender takes it once
    assert (again.id, again.status, again.attempts, again.message_id) == (
        handed.id, SENDING, 2, handed.message_id)
    assert claim(uow) == []
