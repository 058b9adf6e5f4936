"""The batched event path (bookstore_shared.kit): a poison message in the middle of a batch costs
only itself; the other events are applied once, on both buses and both databases."""
from __future__ import annotations

import time

import pytest
from bookstore_shared.bus import InProcessBus
from bookstore_shared.db import new_metadata
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import NotificationBroadcast, UserRegistered
from bookstore_shared.inbox import inbox_table
from bookstore_shared.kit import BatchedConsumer, HandlerRegistry, SqlUnitOfWork, consume
from bookstore_shared.outbox import outbox_table
from bookstore_shared.runtime import ServiceRuntime
from bookstore_shared.settings import BaseServiceSettings
from bookstore_testing import wait_for
from sqlalchemy import Column, Integer, String, Table, func, insert, select

metadata = new_metadata()
OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)
EFFECT = Table("effect", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
               Column("event_id", String(36), nullable=False))
DELAYS = "50,100"
POISON = "poison"


def welcome(event: UserRegistered, *, uow: SqlUnitOfWork, envelope: Envelope) -> None:
    """The handler under test: one effect row and one event per user, nothing for the poison."""
    if event.username == POISON:
        raise ValueError("this event can never be applied")
    uow.session.execute(insert(EFFECT).values(event_id=envelope.id))
    uow.emit(NotificationBroadcast(message=f"welcome {event.username}"))


def counting_batches(consumer: BatchedConsumer) -> list[int]:
    """Remember the size of every batch the bus hands `consumer`."""
    sizes: list[int] = []
    handle = consumer.handle_batch

    def counted(envelopes):
        sizes.append(len(envelopes))
        handle(envelopes)

    consumer.handle_batch = counted
    return sizes


@pytest.fixture(params=["in-process bus, SQLite", "in-process bus, MySQL", "RabbitMQ, MySQL"])
def service(request, infra, new_instance, tmp_path):
    in_process, sqlite = request.param.startswith("in-process"), "SQLite" in request.param
    settings = BaseServiceSettings(
        service_name="tests", instance=new_instance(), retry_delays_ms=DELAYS, prefetch=50,
        consumers=1, mysql_url=None if sqlite else infra.mysql_url,
        database_url=f"sqlite:///{tmp_path / 'tests.sqlite'}" if sqlite else None,
        rabbitmq_url=None if in_process else infra.rabbitmq_url)
    rt = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX, migrations_dir=None)
    rt.prepare_database()
    metadata.create_all(rt.engine)
    consumer = consume(rt, HandlerRegistry({UserRegistered: welcome}), inbox=INBOX,
                       uow=lambda: SqlUnitOfWork(rt.sessions, rt.outbox, producer="tests"))
    yield rt, counting_batches(consumer)
    rt.stop()


def registered(n: int, name: str | None = None) -> Envelope:
    return Envelope.wrap(UserRegistered(user_id=n, username=name or f"u{n}",
                                        email=f"u{n}@x.io"), producer="tests")


def queued_while_stopped(rt: ServiceRuntime, envelopes: list[Envelope]) -> None:
    """Publish so that the consumer finds every event already delivered when it starts."""
    if isinstance(rt.bus, InProcessBus):
        rt.bus.publish(envelopes)
        rt.start()
        return
    rt.start()  # declares and binds the durable queue, then let it go quiet
    wait_for(rt.bus.is_healthy, what="consuming")
    rt.bus.stop()
    rt.bus.publish(envelopes)
    rt.bus.start()
    wait_for(rt.bus.is_healthy, what="consuming again")


def count(rt: ServiceRuntime, table: Table) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_a_poison_message_in_a_batch_of_50_is_dead_lettered_and_the_other_49_applied_once(
        service):
    rt, batches = service
    events = [registered(n) for n in range(24)] + [registered(24, POISON)] + [
        registered(n) for n in range(25, 50)]
    queued_while_stopped(rt, events)

    wait_for(lambda: rt.bus.dead_letter_counts(["tests"]).get("tests") == 1, timeout=20,
             what="the poison message parked")
    time.sleep(0.3)
    with rt.sessions() as session:
        applied = session.scalars(select(EFFECT.c.event_id)).all()
    good = {e.id for e in events} - {events[24].id}
    assert sorted(applied) == sorted(good), "each of the 49 applied exactly once"
    (letter,) = rt.bus.dead_letters("tests")
    assert letter.id == events[24].id and "can never be applied" in letter.reason
    assert count(rt, OUTBOX) == 49, "one welcome event per applied user, none for the poison"
    assert count(rt, INBOX) == 49
    assert batches[0] > 1, "the events were handed over as a batch"
    assert 1 in batches, "the failed batch fell back to one event at a time"


def test_a_redelivered_event_inside_or_across_batches_is_applied_once(service):
    rt, _batches = service
    first, second = registered(1), registered(2)
    queued_while_stopped(rt, [first, first, second])
    wait_for(lambda: count(rt, INBOX) == 2, what="both applied")
    rt.bus.publish([first, second])  # after the commit: a redelivery, for instance after a crash
    time.sleep(0.5)

    with rt.sessions() as session:
        applied = session.scalars(select(EFFECT.c.event_id)).all()
    assert sorted(applied) == sorted([first.id, second.id])
    assert count(rt, OUTBOX) == 2
    assert rt.bus.dead_letter_counts(["tests"]).get("tests", 0) == 0


def test_the_queue_is_bound_only_to_what_the_handlers_take(service):
    rt, _batches = service
    assert HandlerRegistry({UserRegistered: welcome}).routing_keys() == ["user.registered"]
    rt.start()
    wait_for(rt.bus.is_healthy, what="consuming")
    rt.bus.publish([Envelope.wrap(NotificationBroadcast(message="not for us"), producer="tests"),
                    registered(3)])
    wait_for(lambda: count(rt, INBOX) == 1, what="the user applied")
    time.sleep(0.3)
    assert count(rt, INBOX) == 1, "the broadcast never reached the queue"
