"""Stock under load and under failure, through the gateway: never oversold, nothing lost."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from bookstore_shared.launcher import settings_from, wait_ready
from bookstore_shared.probe import EventProbe
from bookstore_testing import free_port_base

from .conftest import register_and_login
from .saga import SHIPMENT_UPDATES
from .test_orders import add_book, stock_of, wait_for

REFUSED = {"message": "Insufficient stock", "error": "Order processing failed, try again"}
BEYOND_PENDING = {"PROCESSING", "SHIPPED", "DELIVERED"}


@pytest.fixture
def second_inventory(system, tmp_path) -> Iterator[subprocess.Popen]:
    """Another inventory-service process on the same queue and database (another port base)."""
    env = {**system.env, "BOOKSTORE_PORT_BASE": str(free_port_base())}
    with open(tmp_path / "inventory-2.log", "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "inventory_service.main"], env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(settings_from(env).service_url("inventory"), timeout=60)
        yield proc
    finally:
        proc.terminate()
        proc.wait(15)


@pytest.fixture
def probe(system, infra) -> Iterator[EventProbe]:
    """Every event of the running system, from now on."""
    with EventProbe(infra.rabbitmq_url, system.env["BOOKSTORE_INSTANCE"]) as p:
        yield p


def orders_of(client: httpx.Client, headers: dict) -> dict[int, dict]:
    r = client.get("/orders", headers=headers, params={"limit": 200})
    assert r.status_code == 200, r.text
    return {o["id"]: o for o in r.json()}


def settled_orders(client, users, *, until: set[str], timeout: float = 60.0) -> dict[int, dict]:
    """Poll every user's orders until each order's status is in `until`."""
    def step():
        everything = {oid: o for user in users for oid, o in orders_of(client, user).items()}
        return everything if all(o["status"] in until for o in everything.values()) else None

    return wait_for(step, timeout=timeout, what=f"every order to reach {until}")


def restart(system, name: str, pkg: str) -> None:
    """SIGKILL a service and start it again (same environment), waiting until it is ready."""
    system.procs.kill(name)
    system.procs.start(name, pkg)
    wait_ready(system.service_url(name), timeout=60, procs=system.procs)


def test_two_hundred_concurrent_orders_for_fifty_copies_sell_exactly_fifty_in_services_mode(
        system, admin_headers, second_inventory, probe):
    book = add_book(system, admin_headers, stock=50)
    users = [register_and_login(system.url) for _ in range(20)]
    limits = httpx.Limits(max_connections=40, max_keepalive_connections=40)
    with httpx.Client(base_url=system.url, timeout=30, limits=limits) as client:
        with ThreadPoolExecutor(max_workers=40) as pool:
            answers = list(pool.map(
                lambda n: client.post("/orders", headers=users[n % 20],
                                      json={"book_id": book, "quantity": 1}), range(200)))
        placed = [r for r in answers if r.status_code == 201]
        refused = [r for r in answers if r.status_code != 201]
        # Once the stock is known to be gone the order service may refuse at once (CONTRACT.md).
        assert all((r.status_code, r.json()) == (400, REFUSED) for r in refused), \
            [r.text for r in refused][:3]
        orders = settled_orders(client, users, until=BEYOND_PENDING | {"CANCELLED"})

    assert set(orders) == {r.json()["order_id"] for r in placed}
    sold = [o for o in orders.values() if o["status"] in BEYOND_PENDING]
    cancelled = [o for o in orders.values() if o["status"] == "CANCELLED"]
    assert len(sold) == 50
    assert len(cancelled) + len(refused) == 150
    assert {o["cancel_reason"] for o in cancelled} <= {"insufficient_stock"}
    wait_for(lambda: stock_of(system, book) == 0, what="stock 0 in the catalog")
    probe.settle(1.0)
    ours = set(orders)
    reserved = Counter(e.data["order_id"] for e in probe.of_type("inventory.reserved")
                       if e.data["order_id"] in ours)
    assert len(reserved) == 50 and set(reserved.values()) == {1}
    assert second_inventory.poll() is None, "the second inventory process kept running"


def test_inventory_and_shipping_killed_mid_flow_lose_and_double_nothing_in_services_mode(
        system, admin_headers, probe):
    book = add_book(system, admin_headers, stock=40)
    users = [register_and_login(system.url) for _ in range(3)]

    def place(n: int) -> int:
        r = system.client.post("/orders", headers=users[n % 3],
                               json={"book_id": book, "quantity": 1})
        assert r.status_code == 201, r.text
        return r.json()["order_id"]

    first = [place(n) for n in range(10)]
    restart(system, "inventory", "inventory_service")  # some placements are still queued
    second = [place(n) for n in range(10, 20)]
    ours = set(first + second)

    def shipments_started() -> bool:
        probe.drain()
        return len(of_ours("shipment.updated")) >= 5

    def of_ours(event_type: str) -> list:
        """Distinct events of this test's orders (other tests' sagas share the system)."""
        return list({e.id: e for e in probe.of_type(event_type)
                     if e.data.get("order_id") in ours}.values())

    wait_for(shipments_started, what="shipments in progress")
    restart(system, "shipping", "shipping_service")  # some shipments are between steps
    third = [place(n) for n in range(20, 25)]
    ours.update(third)

    orders = settled_orders(system.client, users, until={"DELIVERED"}, timeout=90)
    assert set(orders) == set(first + second + third)
    wait_for(lambda: stock_of(system, book) == 15, what="stock 40 - 25")
    probe.settle(1.5)
    assert stock_of(system, book) == 15

    reserved = Counter(e.data["order_id"] for e in of_ours("inventory.reserved"))
    assert reserved == Counter({oid: 1 for oid in orders}), "one reservation per order"
    steps = Counter((e.data["order_id"], e.data["status"]) for e in of_ours("shipment.updated"))
    assert steps == Counter({(oid, s): 1 for oid in orders for s in SHIPMENT_UPDATES})
    assert of_ours("inventory.rejected") == []
