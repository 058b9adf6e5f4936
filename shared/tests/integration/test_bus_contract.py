"""One contract, two buses: the in-process bus must behave like the RabbitMQ one."""
from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from bookstore_shared.bus import InProcessBus, RabbitBus
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    NotificationBroadcast,
    ShipmentUpdated,
    UserRegistered,
)
from bookstore_testing import wait_for

DELAYS = (50, 100)


@pytest.fixture(params=["in-process", "rabbitmq"])
def make_bus(request, infra, new_instance):
    buses = []

    def make():
        if request.param == "in-process":
            bus = InProcessBus(retry_delays_ms=DELAYS)
        else:
            bus = RabbitBus(infra.rabbitmq_url, instance=instance, retry_delays_ms=DELAYS,
                            prefetch=10)
        buses.append(bus)
        return bus

    instance = new_instance()
    yield make
    for bus in buses:
        bus.stop()


class Recorder:
    def __init__(self, fail_ids: dict[str, int] | None = None):
        self.seen: list[Envelope] = []
        self.fail_ids = dict(fail_ids or {})
        self.lock = threading.Lock()

    def __call__(self, env: Envelope) -> None:
        with self.lock:
            if self.fail_ids.get(env.id, 0) > 0:
                self.fail_ids[env.id] -= 1
                raise RuntimeError("handler failed")
            self.seen.append(env)

    def types(self) -> list[str]:
        return [e.type for e in self.seen]


def started(bus):
    bus.start()
    deadline = time.monotonic() + 15
    while not bus.is_healthy():
        assert time.monotonic() < deadline, "bus did not connect"
        time.sleep(0.05)
    return bus


def user(n: int) -> Envelope:
    return Envelope.wrap(UserRegistered(user_id=n, username=f"u{n}", email=f"u{n}@x.io"),
                         producer="test")


def broadcast(text: str) -> Envelope:
    return Envelope.wrap(NotificationBroadcast(message=text), producer="test")


def test_topic_bindings_route_each_event_to_the_queues_that_match(make_bus):
    bus = make_bus()
    users, everything, orders = Recorder(), Recorder(), Recorder()
    bus.subscribe("auth", ["user.*"], users)
    bus.subscribe("tests", ["#"], everything)
    bus.subscribe("order", ["order.#"], orders)
    started(bus).publish([user(1), broadcast("hi")])
    wait_for(lambda: len(everything.seen) == 2 and len(users.seen) == 1)
    time.sleep(0.2)
    assert users.types() == ["user.registered"]
    assert sorted(everything.types()) == ["notification.broadcast", "user.registered"]
    assert orders.seen == []


def test_an_event_routed_by_status_reaches_only_the_queues_bound_to_its_status(make_bus):
    """`shipment.updated` travels as `shipment.updated.<status>` on both buses: a queue bound to
    READY gets READY and no other status, one bound to `shipment.updated.#` gets them all, and
    the envelope's type stays `shipment.updated`."""
    bus = make_bus()
    ready, every = Recorder(), Recorder()
    # exclusive: one consumer each, so a queue's deliveries arrive in publishing order
    bus.subscribe("order", ["shipment.updated.READY"], ready, exclusive=True)
    bus.subscribe("tests", ["shipment.updated.#"], every, exclusive=True)
    statuses = ["PREPARING", "READY", "SHIPPED", "CANCELLED", "DELIVERED", "READY"]
    events = [Envelope.wrap(ShipmentUpdated(shipment_id=n, order_id=n, status=status),
                            producer="test") for n, status in enumerate(statuses)]
    started(bus).publish(events)
    wait_for(lambda: len(every.seen) == len(events))
    assert [e.data["status"] for e in every.seen] == statuses
    wait_for(lambda: events[-1].id in {e.id for e in ready.seen})
    # one consumer, in order: by the time the last READY arrived, any earlier one would have
    assert [e.id for e in ready.seen] == [events[1].id, events[-1].id]
    assert {e.type for e in ready.seen} == {"shipment.updated"}


def test_consumers_of_one_queue_compete_and_each_event_is_handled_once(make_bus):
    bus = make_bus()
    first, second = Recorder(), Recorder()
    bus.subscribe("inventory", ["user.registered"], first)
    bus.subscribe("inventory", ["user.registered"], second)
    events = [user(n) for n in range(60)]
    started(bus).publish(events)
    wait_for(lambda: len(first.seen) + len(second.seen) == 60)
    time.sleep(0.2)
    ids = Counter(e.id for e in first.seen + second.seen)
    assert set(ids) == {e.id for e in events} and max(ids.values()) == 1


def test_exclusive_subscriptions_each_receive_a_copy(make_bus):
    bus = make_bus()
    replica_a, replica_b = Recorder(), Recorder()
    bus.subscribe("notification", ["notification.broadcast"], replica_a, exclusive=True)
    bus.subscribe("notification", ["notification.broadcast"], replica_b, exclusive=True)
    started(bus).publish([broadcast("to all")])
    wait_for(lambda: len(replica_a.seen) == 1 and len(replica_b.seen) == 1)


def test_a_transient_failure_is_retried_until_it_succeeds(make_bus):
    bus = make_bus()
    event = user(1)
    handler = Recorder(fail_ids={event.id: 2})
    bus.subscribe("tests", ["user.*"], handler)
    started(bus).publish([event])
    wait_for(lambda: len(handler.seen) == 1)
    assert bus.dead_letters("tests") == []


def test_a_poison_message_is_parked_after_bounded_retries_and_the_rest_keep_flowing(make_bus):
    bus = make_bus()
    poison = user(666)
    handler = Recorder(fail_ids={poison.id: 10**6})
    bus.subscribe("tests", ["user.*"], handler)
    started(bus).publish([poison, *[user(n) for n in range(20)]])
    wait_for(lambda: len(handler.seen) == 20)
    wait_for(lambda: len(bus.dead_letters("tests")) == 1)
    [letter] = bus.dead_letters("tests")
    assert letter.envelope.id == poison.id
    assert letter.attempts == len(DELAYS) + 1
    assert "handler failed" in letter.reason
    assert poison.id not in {e.id for e in handler.seen}


def test_replaying_a_dead_letter_after_the_fix_processes_it_exactly_once(make_bus):
    bus = make_bus()
    poison = user(13)
    handler = Recorder(fail_ids={poison.id: len(DELAYS) + 1})
    bus.subscribe("tests", ["user.*"], handler)
    started(bus).publish([poison])
    wait_for(lambda: len(bus.dead_letters("tests")) == 1)
    assert bus.replay_dead_letters("tests") == 1
    wait_for(lambda: len(handler.seen) == 1)
    time.sleep(0.3)
    assert [e.id for e in handler.seen] == [poison.id]
    assert bus.dead_letters("tests") == []


def test_a_malformed_message_is_parked_and_listed_with_its_bytes(infra, new_instance):
    import pika

    instance = new_instance()
    bus = RabbitBus(infra.rabbitmq_url, instance=instance, retry_delays_ms=DELAYS)
    handler = Recorder()
    bus.subscribe("tests", ["user.*"], handler)
    started(bus)
    try:
        with pika.BlockingConnection(pika.URLParameters(infra.rabbitmq_url)) as conn:
            conn.channel().basic_publish(f"{instance}.events", "user.registered", b"\x00{junk")
        wait_for(lambda: len(bus.dead_letters("tests")) == 1)
        [letter] = bus.dead_letters("tests")
        assert (letter.envelope, letter.body, letter.attempts) == (None, b"\x00{junk", 1)
        assert letter.routing_key == f"{instance}.tests.dlq"
        assert "malformed envelope" in letter.reason and handler.seen == []
    finally:
        bus.stop()


def test_an_outage_is_retried_past_the_dead_letter_limit_and_parks_nothing(make_bus):
    from sqlalchemy.exc import OperationalError

    bus = make_bus()
    event = user(5)
    failures = {"left": len(DELAYS) + 3}
    handled: list[str] = []

    def handler(env: Envelope) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database down"))
        handled.append(env.id)

    bus.subscribe("tests", ["user.*"], handler)
    started(bus).publish([event])
    wait_for(lambda: handled == [event.id])
    assert bus.dead_letters("tests") == []


class BatchRecorder(Recorder):
    """A `BatchHandler`: a batch is all or nothing, like one transaction."""

    batch_size = 50

    def __init__(self, fail_ids: dict[str, int] | None = None):
        super().__init__(fail_ids)
        self.batches: list[int] = []

    def handle_batch(self, envelopes) -> None:
        with self.lock:
            self.batches.append(len(envelopes))
            if any(self.fail_ids.get(env.id, 0) > 0 for env in envelopes):
                raise RuntimeError("batch failed")
            self.seen.extend(envelopes)


def test_a_batch_with_a_poison_message_falls_back_to_one_at_a_time_and_parks_only_it(make_bus):
    bus = make_bus()
    events = [user(n) for n in range(50)]
    poison = events[25]
    handler = BatchRecorder(fail_ids={poison.id: 10**6})
    bus.subscribe("tests", ["user.*"], handler)
    started(bus).publish(events)
    wait_for(lambda: len(bus.dead_letters("tests")) == 1)
    time.sleep(0.2)
    ids = Counter(e.id for e in handler.seen)
    assert set(ids) == {e.id for e in events} - {poison.id} and max(ids.values()) == 1
    assert bus.dead_letters("tests")[0].envelope.id == poison.id
    assert max(handler.batches) > 1, "deliveries already received were handed over together"
