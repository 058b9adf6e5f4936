"""On RabbitMQ a process's own (exclusive) queue is consumed without acks: it dies with its
connection, so an ack would keep nothing safe. A service queue keeps its acks (after commit)."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from bookstore_shared.bus import RabbitBus
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import UserRegistered
from bookstore_testing import wait_for


def consumers_needing_acks(instance: str) -> dict[str, bool]:
    """{queue: ack_required} of the broker's consumers on this instance's queues."""
    out = subprocess.run(["rabbitmqctl", "list_consumers", "-q", "--no-table-headers",
                          "queue_name", "ack_required"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    rows = [line.split("\t") for line in out.splitlines() if line.startswith(f"{instance}.")]
    return {queue: flag.strip() == "true" for queue, flag in rows}


def test_a_processs_own_queue_takes_every_event_without_acks(infra, new_instance):
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not installed (the local RabbitMQ is needed)")
    instance = new_instance()
    bus = RabbitBus(infra.rabbitmq_url, instance=instance, prefetch=2)
    seen: list[int] = []
    bus.subscribe("tests", ["user.registered"], lambda env: None)
    bus.subscribe("tests.own", ["user.registered"], lambda env: seen.append(env.data["user_id"]),
                  exclusive=True)
    bus.start()
    try:
        wait_for(bus.is_healthy, what="both queues consumed")
        bus.publish([Envelope.wrap(UserRegistered(user_id=n, username=f"u{n}", email="u@x.io"),
                                   producer="tests") for n in range(10)])
        wait_for(lambda: len(seen) >= 10, what="every event on the process's own queue")
        assert sorted(seen) == list(range(10))
        needing = consumers_needing_acks(instance)
        own = [queue for queue in needing if queue.startswith(f"{instance}.tests.own.")]
        assert len(own) == 1, needing
        assert needing == {f"{instance}.tests": True, own[0]: False}
    finally:
        bus.stop()
