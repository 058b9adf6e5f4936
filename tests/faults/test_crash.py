"""inventory, order, shipping, notification and catalog each killed with SIGKILL in turn while
clients keep buying: no purchase lost or doubled, stock exact, one shipment and one purchase email
(one Message-ID) per order."""
from __future__ import annotations

import time
from collections import Counter

import httpx
from bookstore_testing.mail import Subjects

from ..e2e.saga import SHIPMENT_UPDATES
from .audit import AuditQueue
from .helpers import (
    Purchases,
    add_book,
    all_ready,
    first_admin,
    internal,
    new_user,
    orders_of,
    restart,
    settle_orders,
    wait_for,
)

STOCK = 100_000
VICTIMS = ["inventory", "order", "shipping", "notification", "catalog"]


def test_each_consumer_killed_mid_load_loses_and_doubles_nothing(system, smtp, figures):
    admin = first_admin(system)
    book = add_book(system, admin, stock=STOCK)
    audit = AuditQueue(system.env["BOOKSTORE_RABBITMQ_URL"], system.env["BOOKSTORE_INSTANCE"])
    users = [new_user(system) for _ in range(3)]
    load = Purchases(system, book, users, pause=1.0).start()
    try:
        for victim in VICTIMS:
            time.sleep(1.5)
            in_flight = len(load.placed)
            system.procs.kill(victim)
            time.sleep(0.5)
            restart(system, victim)
            figures.fault(f"SIGKILL of {victim} after {in_flight} orders, restarted")
        time.sleep(2.0)
    finally:
        load.stop()
    figures.cases += len(load.answers)
    assert load.errors == [], load.errors[:5]
    all_ready(system)

    # Not lost: every purchase became exactly one order, and every order was delivered.
    orders = settle_orders(system, load.placed, until={"DELIVERED"}, timeout=120)
    assert len(orders) == load.purchases
    for headers in users:
        assert len(orders_of(system, headers)) == load.per_user[headers["Authorization"]]
    sold = len(orders)
    with httpx.Client(base_url=system.service_url("inventory"), timeout=10,
                      headers=internal(system)) as inv:
        assert inv.get(f"/internal/stock/{book}").json()["available"] == STOCK - sold
        statuses = Counter(inv.get(f"/internal/reservations/{oid}").json()["status"]
                           for oid in orders)
    assert statuses == {"RESERVED": sold}
    wait_for(lambda: system.client.get(f"/books/{book}").json()["stock"] == STOCK - sold,
             what="the catalog's stock read model to converge")

    # Not doubled: one reservation, one confirmation and one shipment step of each kind per order.
    audit.drain()
    mine, once = set(orders), Counter(dict.fromkeys(orders, 1))
    assert audit.per_order("inventory.reserved", orders=mine) == once
    assert audit.per_order("order.confirmed", orders=mine) == once
    assert audit.per_order("shipment.updated", "status", orders=mine) == Counter(
        {(oid, s): 1 for oid in orders for s in SHIPMENT_UPDATES})

    # One purchase email per confirmed order, and one per status email (counted at the server).
    subjects = Subjects(smtp)
    wanted = {f"Your Bookstore order #{oid} is confirmed" for oid in orders}
    try:
        wait_for(lambda: wanted <= set(subjects()), timeout=90, what="every purchase email",
                 every=0.5)
    except AssertionError:
        missing = sorted(wanted - set(subjects()))
        raise AssertionError(f"{len(missing)} of {len(wanted)} purchase emails missing, "
                             f"e.g. {missing[:5]}; notes {figures.notes}") from None
    time.sleep(1.0)
    mail = subjects()
    assert {s: mail[s] for s in wanted} == {s: 1 for s in wanted}
    delivered = {f"Your Bookstore order #{oid}: delivered" for oid in orders}
    wait_for(lambda: delivered <= set(subjects()), timeout=60, what="every delivered email",
             every=0.5)
    assert {s: subjects()[s] for s in delivered} == {s: 1 for s in delivered}
    if subjects.resent:
        figures.notes.append(f"sent again with the same Message-ID after a sender was killed: "
                             f"{subjects.resent}")
    figures.items += 6 * sold + 1
