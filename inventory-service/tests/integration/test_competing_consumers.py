"""Two inventory runtimes on one queue never oversell a book."""
import threading

import pytest
from inventory_service.adapters.orm import stock
from sqlalchemy import select

pytestmark = pytest.mark.integration


def test_two_consumers_reserve_exactly_the_stock_of_a_book_and_reject_the_rest(settings, probe, ev):
    first, second = ev.start(settings), ev.start(settings)
    lowest = {"value": None}
    watching = threading.Event()

    def watch_stock() -> None:  # samples the row while orders flow: it must never dip below 0
        while not watching.is_set():
            with first.runtime.sessions() as session:
                value = session.execute(select(stock.c.available)
                                        .where(stock.c.book_id == 1)).scalar()
            if value is not None and (lowest["value"] is None or value < lowest["value"]):
                lowest["value"] = value
            watching.wait(0.005)

    watcher = threading.Thread(target=watch_stock, daemon=True)
    try:
        probe.publish(ev.book_created(1, 50, 1))
        probe.wait_for("inventory.stock_changed", 1)
        queue = f"{settings.instance}.inventory"
        assert probe.queue_depth(queue)[1] == 2 * settings.consumers, \
            "every consumer thread of both runtimes consumes the same queue"
        watcher.start()

        probe.publish(*(ev.order_placed(1000 + n, (1, 1)) for n in range(200)))
        probe.wait_until(lambda p: len(p.of_type("inventory.reserved"))
                         + len(p.of_type("inventory.rejected")) >= 200, timeout=60)
        probe.settle(1.0)
    finally:
        watching.set()
        first.runtime.stop()
        second.runtime.stop()

    reserved = probe.of_type("inventory.reserved")
    rejected = probe.of_type("inventory.rejected")
    assert len(reserved) == 50
    assert len(rejected) == 150
    assert {r.data["reason"] for r in rejected} == {"insufficient_stock"}
    decided = {e.data["order_id"] for e in reserved + rejected}
    assert decided == set(range(1000, 1200))
    changes = sorted((s for r in reserved for s in r.data["stock_after"]),
                     key=lambda s: s["revision"])
    # Arrival order may mix the two replicas; the revision orders the reports exactly.
    assert [s["stock"] for s in changes] == list(range(49, -1, -1))
    assert [s["revision"] for s in changes] == list(range(2, 52))
    assert ev.stock_of(first, 1).available == 0
    assert lowest["value"] is not None and lowest["value"] >= 0
    assert probe.queue_depth(queue)[0] == 0, "no event left in the queue"
    assert probe.queue_depth(f"{queue}.dlq")[0] == 0, "no event parked"
