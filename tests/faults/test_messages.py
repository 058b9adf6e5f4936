"""Poison messages land in the consuming service's dead-letter queue and replay after the fix;
every event of a full saga delivered a second time changes nothing."""
from __future__ import annotations

import subprocess
import sys
import uuid
from collections import Counter
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

import httpx
import pika
import pytest
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import OrderLine, OrderPlaced
from bookstore_shared.probe import EventProbe

from .helpers import add_book, first_admin, internal, new_user, order_status, wait_for

BOOKSTORE = str(Path(sys.executable).with_name("bookstore"))


def dlq(system, action: str, service: str) -> str:
    """`bookstore dlq <action> <service>` as an operator runs it; its output."""
    run = subprocess.run([BOOKSTORE, "dlq", action, service], check=False,
                         env=system.env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


@pytest.fixture
def probe(system, infra):
    with EventProbe(infra.rabbitmq_url, system.env["BOOKSTORE_INSTANCE"]) as p:
        yield p


@pytest.fixture(scope="module")
def admin(system) -> dict:
    return first_admin(system)


def reservation(system, order_id: int) -> httpx.Response:
    return httpx.get(f"{system.service_url('inventory')}/internal/reservations/{order_id}",
                     headers=internal(system))


def test_a_malformed_envelope_is_parked_at_once_and_listed(system, figures):
    dlq(system, "purge", "inventory")
    params = pika.URLParameters(system.env["BOOKSTORE_RABBITMQ_URL"])
    with pika.BlockingConnection(params) as conn:
        conn.channel().basic_publish(f"{system.env['BOOKSTORE_INSTANCE']}.events", "order.placed", b"\x00{not an envelope",
                                     pika.BasicProperties(delivery_mode=2))
    figures.cases += 1
    figures.fault("malformed envelope bytes published as order.placed")
    listed = wait_for(lambda: "malformed" in (out := dlq(system, "list", "inventory")) and out,
                      what="the malformed message in inventory's DLQ")
    assert "attempts=1" in listed
    assert "purged 1 message(s)" in dlq(system, "purge", "inventory")
    assert all(p.poll() is None for p in system.procs.procs.values())
    figures.items += 1


def test_an_order_for_a_book_not_yet_known_is_retried_parked_then_replayed_once(
        system, probe, admin, figures):
    known = add_book(system, admin, stock=3)
    missing, order_id = known + 1, 900_000_000 + uuid.uuid4().int % 1_000_000
    placed = OrderPlaced(order_id=order_id, user_id=1,
                         items=[OrderLine(book_id=missing, quantity=2)])
    probe.publish(placed, producer="order")
    figures.cases += 1
    figures.fault(f"order.placed for book {missing} before the book exists")
    listed = wait_for(lambda: str(order_id) and "BookNotKnownYet" in
                      (out := dlq(system, "list", "inventory")) and out, timeout=30,
                      what="the order parked after its retries")
    assert "attempts=4" in listed and "order.placed" in listed
    assert reservation(system, order_id).status_code == 404

    assert add_book(system, admin, stock=5) == missing  # the fix: the book now exists
    wait_for(lambda: httpx.get(f"{system.service_url('inventory')}/internal/stock/{missing}",
                               headers=internal(system)).status_code == 200,
             what="inventory to know the book")
    assert "replayed 1 message(s)" in dlq(system, "replay", "inventory")
    wait_for(lambda: reservation(system, order_id).status_code == 200, what="the reservation")
    assert reservation(system, order_id).json()["status"] == "RESERVED"
    assert "replayed 0 message(s)" in dlq(system, "replay", "inventory")
    probe.settle(1.0)
    assert [e.data["order_id"] for e in probe.of_type("inventory.reserved")].count(order_id) == 1
    stock = httpx.get(f"{system.service_url('inventory')}/internal/stock/{missing}",
                      headers=internal(system)).json()
    assert stock["available"] == 3
    figures.items += 2


def test_every_event_of_a_full_saga_delivered_twice_changes_nothing(system, probe, admin, smtp,
                                                                    figures):
    user, book = new_user(system), add_book(system, admin, stock=4)
    probe.settle(0.5)
    probe.events.clear()
    r = system.client.post("/orders", headers=user, json={"book_id": book, "quantity": 3})
    order_id = r.json()["order_id"]
    wait_for(lambda: order_status(system.client, user, order_id)["status"] == "DELIVERED",
             what="the order delivered")
    subjects = {f"Your Bookstore order #{order_id} is confirmed",
                f"Your Bookstore order #{order_id}: shipped",
                f"Your Bookstore order #{order_id}: delivered"}
    mails = lambda: Counter(s for raw in list(smtp.raw) if (s := str(
        BytesHeaderParser(policy=policy.default).parsebytes(raw)["Subject"])) in subjects)
    wait_for(lambda: set(mails()) == subjects, what="the saga's three emails")
    probe.settle(1.5)
    saga: list[Envelope] = list(probe.events)
    before = snapshot(system, user, book, order_id)

    probe.events.clear()
    probe.publish(*saga)  # the same envelopes (same ids) a second time, in order
    figures.cases += len(saga)
    figures.fault(f"all {len(saga)} events of order {order_id}'s saga delivered twice")
    probe.settle(3.0)
    assert sorted(e.id for e in probe.events) == sorted(e.id for e in saga), \
        "the services published something new"
    assert snapshot(system, user, book, order_id) == before
    assert mails() == Counter(dict.fromkeys(subjects, 1))
    assert Counter(e.type for e in saga)["order.status_changed"] >= 2  # SHIPPED, DELIVERED
    figures.items += len(saga) + 4


def snapshot(system, user, book: int, order_id: int) -> dict:
    """Everything the saga changed: the order, stock in both services, reservation, shipment."""
    return {"order": order_status(system.client, user, order_id),
            "stock": system.client.get(f"/books/{book}").json()["stock"],
            "inventory": httpx.get(f"{system.service_url('inventory')}/internal/stock/{book}",
                                   headers=internal(system)).json(),
            "reservation": reservation(system, order_id).json(),
            "shipment": httpx.get(f"{system.service_url('shipping')}/internal/shipments/"
                                  f"{order_id}", headers=internal(system)).json()}
