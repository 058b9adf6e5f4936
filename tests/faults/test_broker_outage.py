"""RabbitMQ stopped for ~10 s in the middle of ~30 s of continuous orders: nothing lost or doubled,
every request answered (201 or a JSON 503), every service ready again without a restart."""
from __future__ import annotations

import subprocess
import time
from collections import Counter

import httpx

from ..e2e.saga import SHIPMENT_UPDATES
from .audit import AuditQueue
from .helpers import (
    Purchases,
    add_book,
    all_ready,
    first_admin,
    internal,
    new_user,
    settle_orders,
)

STOCK = 100_000  # more than can be sold in 30 s: every placed order's outcome is DELIVERED
LOAD_S, STOP_AT_S, DOWN_S = 30.0, 8.0, 10.0


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def test_orders_placed_across_a_broker_outage_are_all_delivered_exactly_once(system, figures):
    admin = first_admin(system)
    book = add_book(system, admin, stock=STOCK)
    audit = AuditQueue(system.env["BOOKSTORE_RABBITMQ_URL"], system.env["BOOKSTORE_INSTANCE"])
    load = Purchases(system, book, [new_user(system) for _ in range(4)], pause=0.3)
    started = time.monotonic()
    load.start()
    try:
        time.sleep(STOP_AT_S)
        rabbitmqctl("stop_app")
        stopped = time.monotonic()
        before_down = len(load.placed)
        time.sleep(max(0.0, DOWN_S - (time.monotonic() - stopped)))
    finally:
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")
    down_for = time.monotonic() - stopped
    time.sleep(max(0.0, LOAD_S - (time.monotonic() - started)))
    load.stop()
    figures.cases += len(load.answers)
    figures.fault(f"RabbitMQ stopped for {down_for:.0f} s while 4 clients placed orders "
                  f"({len(load.placed)} orders in {LOAD_S:.0f} s, {before_down} before the stop)")

    statuses = Counter(status for status, _ in load.answers)
    assert set(statuses) <= {201, 503}, statuses
    assert all(isinstance(b, dict) and b.get("message") for s, b in load.answers if s == 503)
    assert load.errors == [] and load.purchases == len(load.placed)
    assert len(load.placed) > before_down > 0

    all_ready(system, timeout=60)  # recovered by themselves
    assert all(p.poll() is None for p in system.procs.procs.values())
    final = settle_orders(system, load.placed, until={"DELIVERED"}, timeout=120)
    assert Counter(o["status"] for o in final.values()) == {"DELIVERED": len(load.placed)}

    sold = len(load.placed)
    inventory = system.service_url("inventory")
    with httpx.Client(base_url=inventory, timeout=10, headers=internal(system)) as inv:
        assert inv.get(f"/internal/stock/{book}").json()["available"] == STOCK - sold
        reservations = [inv.get(f"/internal/reservations/{oid}").json() for oid in final]
    assert {(r["status"], r["items"][0]["quantity"]) for r in reservations} == {("RESERVED", 1)}
    assert system.client.get(f"/books/{book}").json()["stock"] == STOCK - sold

    audit.drain()
    orders = set(final)
    mine, once = orders, Counter(dict.fromkeys(orders, 1))
    assert audit.per_order("inventory.reserved", orders=mine) == once
    assert audit.per_order("order.confirmed", orders=mine) == once
    assert audit.per_order("shipment.updated", "status", orders=mine) == Counter(
        {(oid, s): 1 for oid in orders for s in SHIPMENT_UPDATES})
    assert audit.per_order("inventory.rejected", orders=mine) == Counter()
    figures.items += 3 * sold + 1
    figures.notes.append(f"answers during the run: {dict(statuses)}")
