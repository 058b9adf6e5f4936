"""Outbox and inbox on real MySQL (and the real broker for the relay)."""
from __future__ import annotations

import contextlib
import threading
import time

import pika
import pytest
from bookstore_shared import outbox
from bookstore_shared.bus import BrokerUnavailable, InProcessBus
from bookstore_shared.db import new_metadata
from bookstore_shared.events import Envelope, utcnow
from bookstore_shared.events.contracts import UserRegistered
from bookstore_shared.inbox import inbox_table
from bookstore_shared.kit import BatchedConsumer, HandlerRegistry, SqlUnitOfWork
from bookstore_shared.outbox import outbox_table, pending_count
from bookstore_shared.runtime import ServiceRuntime
from bookstore_shared.settings import BaseServiceSettings
from sqlalchemy import Column, Integer, String, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

metadata = new_metadata()
OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)
EFFECT = Table("effect", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
               Column("event_id", String(36), nullable=False))


@pytest.fixture
def runtime(infra, new_instance):
    def make(bus=None):
        settings = BaseServiceSettings(service_name="tests", mysql_url=infra.mysql_url,
                                       instance=new_instance(), rabbitmq_url=infra.rabbitmq_url)
        rt = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX, migrations_dir=None,
                            bus=bus, owns_bus=True)
        rt.prepare_database()
        metadata.create_all(rt.engine)
        made.append(rt)
        return rt

    made: list[ServiceRuntime] = []
    yield make
    for rt in made:
        rt.stop()


def registered(n: int) -> Envelope:
    return Envelope.wrap(UserRegistered(user_id=n, username=f"u{n}", email=f"u{n}@x.io"),
                         producer="tests")


def listen(rt: ServiceRuntime):
    """A temporary queue bound to the instance's exchange, as a developer tapping events would."""
    conn = pika.BlockingConnection(pika.URLParameters(rt.settings.rabbitmq_url))
    ch = conn.channel()
    ch.exchange_declare(rt.settings.exchange, exchange_type="topic", durable=True)
    q = ch.queue_declare("", exclusive=True).method.queue
    ch.queue_bind(q, rt.settings.exchange, routing_key="#")
    return conn, ch, q


def drain(ch, q, expected: int, timeout: float = 10.0) -> list[Envelope]:
    got: list[Envelope] = []
    deadline = time.monotonic() + timeout
    while len(got) < expected and time.monotonic() < deadline:
        method, _props, body = ch.basic_get(q, auto_ack=True)
        if method is None:
            time.sleep(0.05)
            continue
        got.append(Envelope.from_bytes(body))
    return got


def test_committed_events_are_published_and_rolled_back_ones_never(runtime):
    rt = runtime()
    conn, ch, q = listen(rt)
    rt.start()
    kept, dropped = registered(1), registered(2)
    with rt.sessions() as session:
        rt.outbox.add(session, dropped)
        session.rollback()
    with rt.sessions() as session:
        rt.outbox.add(session, kept)
        session.commit()
    got = drain(ch, q, expected=1)
    time.sleep(0.3)
    got += drain(ch, q, expected=1, timeout=0.3)
    conn.close()
    assert [e.id for e in got] == [kept.id]
    assert got[0].data == {"user_id": 1, "username": "u1", "email": "u1@x.io"}
    assert pending_count(rt.sessions, rt.outbox) == 0


class FlakyBus(InProcessBus):
    """Refuses to publish while `down` is set, like a stopped broker."""

    def __init__(self):
        super().__init__()
        self.down = threading.Event()
        self.published: list[Envelope] = []

    def publish(self, envelopes):
        if self.down.is_set():
            raise BrokerUnavailable("broker down")
        self.published.extend(envelopes)


def test_events_wait_in_the_outbox_while_the_broker_is_down_and_drain_after(runtime):
    bus = FlakyBus()
    bus.down.set()
    rt = runtime(bus)
    rt.start()
    with rt.sessions() as session:
        rt.outbox.add(session, *[registered(n) for n in range(5)])
        session.commit()
    time.sleep(0.5)
    assert bus.published == [] and pending_count(rt.sessions, rt.outbox) == 5
    bus.down.clear()
    deadline = time.monotonic() + 10
    while len(bus.published) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [e.data["user_id"] for e in bus.published] == [0, 1, 2, 3, 4]
    # marked sent right after the broker confirmed them
    while pending_count(rt.sessions, rt.outbox) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pending_count(rt.sessions, rt.outbox) == 0


def test_handed_over_events_are_published_once_each_and_marked_sent_soon_after(runtime):
    bus = FlakyBus()
    rt = runtime(bus)
    rt.start()
    for first in range(0, 50, 5):
        with rt.sessions() as session:
            rt.outbox.add(session, *[registered(n) for n in range(first, first + 5)])
            session.commit()
    deadline = time.monotonic() + 10
    while (len(bus.published) < 50 or pending_count(rt.sessions, rt.outbox)) \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(outbox.MARK_EVERY_S * 3)  # nothing more comes: no sweep sends them again
    assert [e.data["user_id"] for e in bus.published] == list(range(50))  # in commit order
    assert pending_count(rt.sessions, rt.outbox) == 0


def test_stopping_the_relay_marks_what_it_published(runtime):
    bus = FlakyBus()
    rt = runtime(bus)
    rt.start()
    with rt.sessions() as session:
        rt.outbox.add(session, registered(1))
        session.commit()
    deadline = time.monotonic() + 10
    while not bus.published and time.monotonic() < deadline:
        time.sleep(0.01)
    rt.relay.stop()
    assert [e.data["user_id"] for e in bus.published] == [1]
    assert pending_count(rt.sessions, rt.outbox) == 0


def test_a_hand_off_arriving_after_a_sweep_published_its_row_is_not_published_again(runtime):
    """Right after a failure the relay sweeps the table; an event whose COMMIT was visible to
    that sweep but whose hand-off came later (its after-commit hook had not run yet) is skipped."""
    bus = FlakyBus()
    rt = runtime(bus)
    rt.prepare_database()  # the relay is driven by hand: no thread races the steps below
    event = registered(7)
    with rt.sessions() as session:
        rt.outbox.add(session, event)
        session.commit()
    late = rt.outbox.signal.take(10)  # as if the hook had not run yet
    assert rt.relay.relay_once() == 1  # the start-up sweep finds the committed row
    rt.outbox.signal.hand(*late)
    assert rt.relay.relay_once() == 0
    assert [e.id for e in bus.published] == [event.id]
    assert pending_count(rt.sessions, rt.outbox) == 0


def test_a_row_committed_by_a_process_that_died_before_publishing_is_swept_once_old(
        runtime, monkeypatch):
    """A row no relay was handed (its process died after COMMIT) waits for the sweep: not
    while it is young (its own process may still publish it), once it is SWEEP_AFTER_S old."""
    monkeypatch.setattr(outbox, "SWEEP_EVERY_S", 0.1)
    monkeypatch.setattr(outbox, "SWEEP_AFTER_S", 1.0)
    bus = FlakyBus()
    rt = runtime(bus)
    rt.start()
    with rt.sessions() as session:  # the relay is past its start-up sweep once this is out
        rt.outbox.add(session, registered(0))
        session.commit()
    deadline = time.monotonic() + 10
    while not bus.published and time.monotonic() < deadline:
        time.sleep(0.01)
    orphan = registered(1)
    with rt.sessions() as session:  # as Outbox.add writes it, but no hand-off follows
        session.execute(insert(OUTBOX).values(event_id=orphan.id, event_type=orphan.type,
                                              body=orphan.to_bytes(), created_at=utcnow()))
        session.commit()
    time.sleep(0.5)
    assert [e.id for e in bus.published[1:]] == []  # young: not the sweep's yet
    while len(bus.published) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert [e.id for e in bus.published[1:]] == [orphan.id]
    assert pending_count(rt.sessions, rt.outbox) == 0


def effect_consumer(rt: ServiceRuntime, *, fail: bool = False) -> BatchedConsumer:
    """The kit's consumer with one handler recording an effect row (and then failing)."""

    def apply(event: UserRegistered, *, uow: SqlUnitOfWork, envelope: Envelope) -> None:
        uow.session.execute(insert(EFFECT).values(event_id=envelope.id))
        if fail:
            raise RuntimeError("boom")

    return BatchedConsumer(consumer="tests", inbox=INBOX, batch_size=10,
                           dispatcher=HandlerRegistry({UserRegistered: apply}).bind(),
                           uow=lambda: SqlUnitOfWork(rt.sessions, rt.outbox, producer="tests"))


def test_an_event_handled_twice_has_one_effect_even_concurrently(runtime):
    rt = runtime(InProcessBus())
    handle = effect_consumer(rt)
    env = registered(7)

    def deliver() -> None:
        with contextlib.suppress(IntegrityError):  # a racing copy lost on the inbox's key
            handle(env)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    handle(env)
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(EFFECT)) == 1


def test_a_failing_handler_leaves_no_effect_and_no_inbox_row(runtime):
    rt = runtime(InProcessBus())
    handle = effect_consumer(rt, fail=True)
    with pytest.raises(RuntimeError):
        handle(registered(8))
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(EFFECT)) == 0
        assert session.scalar(select(func.count()).select_from(INBOX)) == 0
