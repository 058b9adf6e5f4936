"""queue_depth_messages on RabbitMQ: the consumer thread counts its own queue on its own channel
(pika channels are not thread-safe), so a scrape reads the count and never touches the broker."""
from __future__ import annotations

import threading

from bookstore_shared.bus import RabbitBus
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import UserRegistered
from bookstore_testing import wait_for

WAITING = 10
PREFETCH = 2


class HeldBatches:
    """A batch handler that holds its first batch until released (so nothing more is acked)."""

    batch_size = PREFETCH

    def __init__(self) -> None:
        self.release = threading.Event()

    def __call__(self, envelope: Envelope) -> None:
        self.handle_batch([envelope])

    def handle_batch(self, envelopes) -> None:
        self.release.wait(20)


def test_the_messages_waiting_in_a_services_queue_are_counted_by_its_consumer(infra,
                                                                              new_instance):
    bus = RabbitBus(infra.rabbitmq_url, instance=new_instance(), prefetch=PREFETCH, consumers=1)
    handler = HeldBatches()
    bus.subscribe("depth", ["user.registered"], handler)
    bus.start()
    try:
        wait_for(bus.is_healthy, what="the queue declared")
        bus.stop()  # the durable queue stays; what is published now waits in it
        bus.publish([Envelope.wrap(UserRegistered(user_id=n, username=f"u{n}", email="u@x.io"),
                                   producer="tests") for n in range(WAITING)])
        bus.start()
        wait_for(lambda: bus.queue_depths().get("depth", (0,))[0] > 0,
                 what="the queue counted on the new connection")
        waiting, _sampled_at = bus.queue_depths()["depth"]
        # counted as consuming starts: at most PREFETCH are out, unacknowledged
        assert WAITING - PREFETCH <= waiting <= WAITING
    finally:
        handler.release.set()
        bus.stop()
