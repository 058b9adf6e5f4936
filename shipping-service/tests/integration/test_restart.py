"""A shipping process killed in the middle of its schedule resumes it and ships each order once."""
import os
import subprocess
import sys
import time

import pytest
from bookstore_shared.launcher import wait_ready
from bookstore_testing import free_port_base
from shipping_service.bootstrap import bootstrap

pytestmark = pytest.mark.integration


@pytest.fixture
def shipping_process(infra, instance_name, tmp_path):
    """Start `python -m shipping_service.main` (again and again) with this test's environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKSTORE_")}
    env.update(BOOKSTORE_MYSQL_URL=infra.mysql_url, BOOKSTORE_RABBITMQ_URL=infra.rabbitmq_url,
               BOOKSTORE_INSTANCE=instance_name, BOOKSTORE_DATA_DIR=str(tmp_path),
               BOOKSTORE_PORT_BASE=str(free_port_base()), BOOKSTORE_SHIP_AFTER_S="1.0",
               BOOKSTORE_DELIVER_AFTER_S="1.0", BOOKSTORE_RETRY_DELAYS_MS="100,200,300")
    url = f"http://127.0.0.1:{int(env['BOOKSTORE_PORT_BASE']) + 5}"
    procs: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        with open(tmp_path / "shipping.log", "ab") as log:  # the child keeps its own copy
            proc = subprocess.Popen([sys.executable, "-m", "shipping_service.main"], env=env,
                                    stdout=log, stderr=subprocess.STDOUT)
        procs.append(proc)
        wait_ready(url, timeout=30)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


def shipments_made(outside, order_ids) -> int:
    """How many of these orders have a shipment row (PREPARING is not published)."""
    with outside.uow() as uow:
        return sum(1 for o in order_ids if uow.shipments.get_by_order(o) is not None)


def test_a_killed_shipping_process_resumes_its_schedule_and_ships_each_order_once(
        shipping_process, make_settings, probe, ev):
    first = shipping_process()
    outside = bootstrap(make_settings())  # this test's database, to watch the rows (not started)
    probe.publish(*(ev.confirmed(200 + n) for n in range(10)))
    probe.wait_until(lambda _: shipments_made(outside, range(200, 210)) == 10, timeout=15)
    outside.runtime.engine.dispose()
    # Kill it while the first shipments are due (some may be moving right now).
    time.sleep(0.9)
    probe.publish(*(ev.confirmed(300 + n) for n in range(5)))
    first.kill()
    first.wait(10)
    before = ev.status_counts(probe)
    time.sleep(2.5)  # everything becomes overdue while no process runs

    shipping_process()
    orders = [200 + n for n in range(10)] + [300 + n for n in range(5)]
    probe.wait_until(lambda p: all(ev.status_counts(p)[(o, "READY")] == 1 for o in orders),
                     timeout=20)
    probe.publish(*(ev.released(o) for o in orders))
    probe.wait_until(lambda p: all(ev.status_counts(p)[(o, "DELIVERED")] == 1 for o in orders),
                     timeout=20)
    probe.settle(1.5)

    counts = ev.status_counts(probe)
    assert {o: ev.statuses(probe, o) for o in orders} == {
        o: ["READY", "DELIVERED"] for o in orders}
    assert set(counts.values()) == {1}, "no status was published twice"
    assert sum(before.values()) < sum(counts.values()), "the restart did the remaining work"
