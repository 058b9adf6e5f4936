"""The soak's finding, through the gateway on MySQL and RabbitMQ: a user cancels an order that
still says PROCESSING while its shipment is already packed, because the order service has not yet
consumed shipping's update (its queue is behind, as under the soak's load). The cancel wins, the
shipment is cancelled, never shipped, and the stock is exact."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from bookstore_shared.events.contracts import ShipmentUpdated
from bookstore_shared.internal import internal_headers
from bookstore_shared.probe import EventProbe
from bookstore_shared.settings import BaseServiceSettings
from bookstore_testing import wait_for
from sqlalchemy import create_engine, text

from ..conftest import RunningSystem, first_admin, own_system, register_and_login
from .saga import SHIPMENT_UPDATES
from .test_orders import add_book

STOCK = 100
LEFT = {"SHIPPED", "DELIVERED"}
FINAL = {"CANCELLED", "DELIVERED"}


@pytest.fixture(scope="module")
def racing_system(infra, new_instance, tmp_path_factory) -> Iterator[RunningSystem]:
    """One process per service, one consumer thread per queue (a blocked one holds its whole
    queue), shipments packed 3 s after their order is confirmed."""
    with own_system(infra, new_instance, tmp_path_factory, "cancel-race", BOOKSTORE_CONSUMERS="1",
                    BOOKSTORE_SHIP_AFTER_S="3", BOOKSTORE_DELIVER_AFTER_S="0.2") as running:
        yield running


def internal(system: RunningSystem) -> dict[str, str]:
    """The system's service credential, for the inventory's and shipping's /internal routes."""
    env = system.env
    return internal_headers(BaseServiceSettings(
        _env_file=None, data_dir=env["BOOKSTORE_DATA_DIR"], instance=env["BOOKSTORE_INSTANCE"]))


@contextmanager
def order_queue_held(system: RunningSystem, probe: EventProbe, infra, blocker: int):
    """Hold the order service's event consumer, not its HTTP routes: lock the row of a cancelled
    order (`blocker`) and send it a shipment update; the one consumer thread waits for that row
    (the update changes nothing once it gets it), and every event behind it waits too."""
    schema = f"{system.env['BOOKSTORE_INSTANCE']}_order"
    engine = create_engine(infra.mysql_url)
    waiting = text("SELECT COUNT(*) FROM information_schema.INNODB_TRX t "
                   "JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "
                   "WHERE t.trx_state = 'LOCK WAIT' AND p.DB = :schema")
    try:
        with engine.connect() as lock, lock.begin():
            locked = lock.execute(text(f"SELECT status FROM `{schema}`.customer_order "
                                       "WHERE id = :id FOR UPDATE"), {"id": blocker}).all()
            assert locked == [("CANCELLED",)]
            probe.publish(ShipmentUpdated(shipment_id=0, order_id=blocker,
                                          status="DELIVERED"))
            with engine.connect() as watch:
                wait_for(lambda: watch.execute(waiting, {"schema": schema}).scalar(),
                         what="the order consumer waiting for the locked row")
            yield
    finally:
        engine.dispose()


def distinct(probe: EventProbe) -> list:
    """Events by id: the outbox may publish one again (at least once); an id is one effect."""
    return list({e.id: e for e in probe.events}.values())


def test_a_cancel_while_the_shipment_is_ready_wins_and_nothing_ships_in_services_mode(
        racing_system, infra):
    system = racing_system
    book = add_book(system, first_admin(system), stock=STOCK)
    users = [register_and_login(system.url) for _ in range(3)]
    owner: dict[int, dict] = {}
    answers: dict[int, httpx.Response] = {}

    def place(n: int) -> int:
        r = system.client.post("/orders", headers=users[n % 3],
                               json={"book_id": book, "quantity": 1})
        assert r.status_code == 201, r.text
        owner[r.json()["order_id"]] = users[n % 3]
        return r.json()["order_id"]

    def cancel(order_id: int) -> httpx.Response:
        answers[order_id] = system.client.post(f"/orders/{order_id}/cancel",
                                               headers=owner[order_id])
        return answers[order_id]

    def status(order_id: int) -> str:
        return system.client.get(f"/orders/{order_id}", headers=owner[order_id]).json()["status"]

    with EventProbe(infra.rabbitmq_url, system.env["BOOKSTORE_INSTANCE"],
                    ["order.#", "shipment.#"]) as probe:
        blocker = place(0)
        assert cancel(blocker).status_code == 200
        at_once = [place(n) for n in range(5)]  # cancelled as soon as they are placed
        for order_id in at_once:
            assert cancel(order_id).json() == {"message": "Order cancelled successfully",
                                               "status": "CANCELLED"}
        racing = [place(n) for n in range(15)]  # cancelled when their shipment is READY
        kept = [place(n) for n in range(5)]  # never cancelled
        confirmed = lambda p: {e.data["order_id"] for e in p.of_type("order.confirmed")}
        probe.wait_until(lambda p: set(racing + kept) <= confirmed(p), timeout=30)

        with order_queue_held(system, probe, infra, blocker):
            # From here on the order service applies no shipment update: an order that is
            # PROCESSING now stays so until a cancel, exactly as while its queue is behind.
            held = [o for o in racing if status(o) == "PROCESSING"]
            assert held, "every shipment was READY before the order queue was held"

            def cancel_when_ready(p: EventProbe) -> bool:
                for e in p.of_type("shipment.updated"):
                    order_id = e.data["order_id"]
                    if order_id in racing and order_id not in answers \
                            and e.data["status"] == "READY":
                        cancel(order_id)
                return set(racing) <= answers.keys()

            probe.wait_until(cancel_when_ready, timeout=30)
            for order_id in held:
                assert (answers[order_id].status_code, answers[order_id].json()) == (
                    200, {"message": "Order cancelled successfully", "status": "CANCELLED"})

        final: dict[int, str] = {}

        def all_final() -> bool:
            final.update({o: status(o) for o in owner if final.get(o) not in FINAL})
            return set(final.values()) <= FINAL

        wait_for(all_final, timeout=60, what="every order cancelled or delivered", every=0.2)
        cancelled = {o for o, s in final.items() if s == "CANCELLED"}
        delivered = {o for o, s in final.items() if s == "DELIVERED"}
        assert set(kept) <= delivered and set(held + at_once) <= cancelled
        for order_id in set(racing) - set(held):  # shipped before the queue was held
            assert final[order_id] == "DELIVERED"
            assert answers[order_id].status_code == 400
            assert answers[order_id].json()["status"] in LEFT

        # Shipping's rows: a cancelled order's shipment never left.
        def shipment(order_id: int) -> str | None:
            r = httpx.get(f"{system.service_url('shipping')}/internal/shipments/{order_id}",
                          headers=internal(system), timeout=10)
            assert r.status_code in (200, 404), r.text
            return r.json()["status"] if r.status_code == 200 else None

        shipments: dict[int, str | None] = {}

        def all_shipments_final() -> bool:
            shipments.update({o: shipment(o) for o in owner})
            return set(shipments.values()) <= {None, "CANCELLED", "DELIVERED"}

        wait_for(all_shipments_final, timeout=30, what="every shipment at its end", every=0.2)
        assert {o: s for o, s in shipments.items() if o in cancelled and s is not None} == {
            o: "CANCELLED" for o in cancelled if shipments[o] is not None}, "a cancelled order shipped"
        assert {shipments[o] for o in held} == {"CANCELLED"}
        assert {shipments[o] for o in delivered} == {"DELIVERED"}

        # The events: the order service never released a cancelled order, shipping sent none.
        probe.settle(1.0)
        steps = Counter((e.data["order_id"], e.type, e.data.get("status"))
                        for e in distinct(probe)
                        if e.data.get("order_id") in owner and e.producer != "tests")
        assert sorted({o for (o, _, s) in steps if o in cancelled and s in LEFT}) == []
        for order_id in held:
            assert [s for (o, t, s) in steps if o == order_id and t == "shipment.updated"] == [
                "READY", "CANCELLED"]
        for order_id in delivered:
            assert {s: n for (o, t, s), n in steps.items()
                    if o == order_id and t == "shipment.updated"} == dict.fromkeys(
                        SHIPMENT_UPDATES, 1)

    # Stock: every cancelled order's book is back, every delivered one is gone, once.
    with httpx.Client(base_url=system.service_url("inventory"), headers=internal(system),
                      timeout=10) as inventory:
        assert inventory.get(f"/internal/stock/{book}").json()["available"] == (
            STOCK - len(delivered))
    wait_for(lambda: system.client.get(f"/books/{book}").json()["stock"] == STOCK - len(delivered),
             what="the catalog's stock", timeout=15)
