"""A stopping bus wakes its consumer threads: it does not wait out their wait for a delivery
(which is long, so that an idle consumer costs little CPU)."""
from __future__ import annotations

import time

from bookstore_shared.bus import RabbitBus, rabbit
from bookstore_testing import wait_for


def test_stop_ends_the_consumers_wait_for_a_delivery_at_once(infra, new_instance, monkeypatch):
    monkeypatch.setattr(rabbit, "IDLE_POLL_S", 60.0)  # far longer than a stop may take
    bus = RabbitBus(infra.rabbitmq_url, instance=new_instance(), consumers=2)
    seen: list = []
    bus.subscribe("idle", ["user.registered"], seen.append)
    bus.subscribe("idle.mine", ["user.registered"], seen.append, exclusive=True)
    bus.start()
    wait_for(bus.is_healthy, what="both queues consumed")
    time.sleep(0.5)  # every thread is inside its wait now
    threads = list(bus._threads)
    started = time.monotonic()
    bus.stop()
    took = time.monotonic() - started
    assert took < 8, f"stop took {took:.1f} s"  # its joins give up after 10 s each
    assert len(threads) == 3 and not any(t.is_alive() for t in threads), "a thread is left"
    assert seen == []
