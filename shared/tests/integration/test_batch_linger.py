"""On RabbitMQ, a busy queue's batch waits `BOOKSTORE_BATCH_LINGER_MS` for more deliveries and a
quiet queue's delivery is applied at once (bookstore_shared.bus.linger)."""
from __future__ import annotations

import time

import pytest
from bookstore_shared.events.contracts import UserRegistered
from bookstore_shared.kit import HandlerRegistry, SqlUnitOfWork, consume
from bookstore_shared.runtime import ServiceRuntime
from bookstore_shared.settings import BaseServiceSettings
from bookstore_testing import wait_for

from .test_batched_consumer import (
    EFFECT,
    INBOX,
    OUTBOX,
    count,
    counting_batches,
    metadata,
    registered,
    welcome,
)

LINGER_MS = 1000


@pytest.fixture
def service(infra, new_instance):
    settings = BaseServiceSettings(
        service_name="tests", instance=new_instance(), prefetch=500, consumers=1,
        mysql_url=infra.mysql_url, rabbitmq_url=infra.rabbitmq_url, batch_linger_ms=LINGER_MS)
    rt = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX, migrations_dir=None)
    rt.prepare_database()
    metadata.create_all(rt.engine)
    consumer = consume(rt, HandlerRegistry({UserRegistered: welcome}), inbox=INBOX,
                       uow=lambda: SqlUnitOfWork(rt.sessions, rt.outbox, producer="tests"))
    rt.start()
    wait_for(rt.bus.is_healthy, what="consuming")
    yield rt, counting_batches(consumer)
    rt.stop()


def test_a_busy_queue_takes_what_arrives_within_the_linger_and_a_quiet_one_waits_for_nothing(
        service):
    rt, batches = service
    # busy: 100 deliveries a second for over two seconds, one by one
    sent = 0
    for n in range(220):
        rt.bus.publish([registered(n)])
        sent += 1
        time.sleep(0.01)
    wait_for(lambda: count(rt, INBOX) == sent, timeout=20, what="every delivery applied")
    assert max(batches) >= 20, f"deliveries of a busy queue were applied together: {batches}"

    # quiet for longer than the rate's window: the next delivery is not kept waiting
    time.sleep(2.5)
    batches.clear()
    started = time.monotonic()
    rt.bus.publish([registered(1000)])
    wait_for(lambda: count(rt, INBOX) == sent + 1, timeout=10, what="the lone delivery applied")
    waited = time.monotonic() - started
    assert batches == [1]
    assert waited < LINGER_MS / 1000 * 0.8, f"a lone delivery waited {waited:.2f} s"
    assert count(rt, EFFECT) == sent + 1
