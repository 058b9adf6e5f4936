"""`bookstore tap` and `bookstore dlq` against the real RabbitMQ."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from bookstore_shared.bus import RabbitBus
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import OrderStatusChanged, ShipmentUpdated, UserRegistered
from bookstore_shared.probe import EventProbe


def run_cli(infra, instance, *args, timeout=60):
    env = {**os.environ, "BOOKSTORE_RABBITMQ_URL": infra.rabbitmq_url,
           "BOOKSTORE_INSTANCE": instance}
    return subprocess.run([sys.executable, "-m", "bookstore_shared.cli", *args], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def test_tap_prints_the_matching_events_one_line_each(infra, new_instance):
    instance = new_instance()
    env = {**os.environ, "BOOKSTORE_RABBITMQ_URL": infra.rabbitmq_url,
           "BOOKSTORE_INSTANCE": instance}
    proc = subprocess.Popen([sys.executable, "-m", "bookstore_shared.cli", "tap", "order.#",
                             "--count", "2", "--timeout", "30"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "tapping" in proc.stderr.readline()
    with EventProbe(infra.rabbitmq_url, instance) as probe:
        probe.publish(UserRegistered(user_id=1, username="a", email="a@x.io"),
                      OrderStatusChanged(order_id=5, user_id=1, status="PROCESSING"),
                      OrderStatusChanged(order_id=5, user_id=1, status="SHIPPED"))
    out, _ = proc.communicate(timeout=30)
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert all("order.status_changed" in line for line in lines)
    assert '"status":"PROCESSING"' in lines[0] and '"status":"SHIPPED"' in lines[1]


def test_tap_takes_an_event_type_named_exactly_with_all_its_statuses(infra, new_instance):
    """`order.status_changed` travels as `order.status_changed.<status>`: the tap binds both."""
    instance = new_instance()
    env = {**os.environ, "BOOKSTORE_RABBITMQ_URL": infra.rabbitmq_url,
           "BOOKSTORE_INSTANCE": instance}
    proc = subprocess.Popen([sys.executable, "-m", "bookstore_shared.cli", "tap",
                             "order.status_changed", "shipment.updated.READY", "--count", "3",
                             "--timeout", "30"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "tapping" in proc.stderr.readline()
    with EventProbe(infra.rabbitmq_url, instance) as probe:
        probe.publish(OrderStatusChanged(order_id=5, user_id=1, status="PROCESSING"),
                      ShipmentUpdated(shipment_id=1, order_id=5, status="PREPARING"),
                      ShipmentUpdated(shipment_id=1, order_id=5, status="READY"),
                      OrderStatusChanged(order_id=5, user_id=1, status="SHIPPED"))
    out, _ = proc.communicate(timeout=30)
    lines = out.strip().splitlines()
    assert [('"status":"PROCESSING"' in lines[0]), ('"status":"READY"' in lines[1]),
            ('"status":"SHIPPED"' in lines[2])] == [True, True, True]


def test_a_dead_lettered_message_is_listed_and_replayed_once_the_fault_is_fixed(infra,
                                                                                 new_instance):
    instance = new_instance()
    fixed = threading.Event()
    handled: list[str] = []

    def handler(env: Envelope) -> None:
        if not fixed.is_set():
            raise RuntimeError("database constraint violated")
        handled.append(env.id)

    bus = RabbitBus(infra.rabbitmq_url, instance=instance, retry_delays_ms=(50,))
    bus.subscribe("tests", ["user.registered"], handler)
    bus.start()
    try:
        while not bus.is_healthy():
            time.sleep(0.05)
        [event] = [Envelope.wrap(UserRegistered(user_id=9, username="p", email="p@x.io"),
                                 producer="tests")]
        bus.publish([event])
        deadline = time.monotonic() + 10
        while not bus.dead_letters("tests") and time.monotonic() < deadline:
            time.sleep(0.05)
        listed = run_cli(infra, instance, "dlq", "list", "tests")
        assert event.id in listed.stdout and "attempts=2" in listed.stdout
        assert "database constraint violated" in listed.stdout
        fixed.set()
        replayed = run_cli(infra, instance, "dlq", "replay", "tests")
        assert "replayed 1 message(s)" in replayed.stdout
        deadline = time.monotonic() + 10
        while not handled and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        assert handled == [event.id]
        assert "no dead-lettered messages" in run_cli(infra, instance, "dlq", "list",
                                                       "tests").stdout
    finally:
        bus.stop()
