"""Running shipping runtimes on a fresh instance of the real MySQL and RabbitMQ."""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from bookstore_shared.events.contracts import (
    OrderCancelled,
    OrderConfirmed,
    OrderLine,
    OrderStatusChanged,
)
from bookstore_shared.probe import EventProbe
from shipping_service.bootstrap import ShippingContainer, bootstrap
from shipping_service.config import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def instance_name(new_instance) -> str:
    return new_instance()


@pytest.fixture
def make_settings(infra, instance_name) -> Callable[..., Settings]:
    def make(ship: float = 0.3, deliver: float = 0.3) -> Settings:
        return Settings(_env_file=None, mysql_url=infra.mysql_url,
                        rabbitmq_url=infra.rabbitmq_url, instance=instance_name,
                        retry_delays_ms="100,200,300", ship_after_s=ship, deliver_after_s=deliver)
    return make


@pytest.fixture
def start_shipping() -> Iterator[Callable[[Settings], ShippingContainer]]:
    """Start shipping runtimes (consumers + scheduler); all are stopped at the end."""
    started: list[ShippingContainer] = []

    def start(settings: Settings) -> ShippingContainer:
        shipping = bootstrap(settings)
        shipping.start()
        started.append(shipping)
        deadline = time.monotonic() + 15
        while not shipping.runtime.bus.is_healthy():
            assert time.monotonic() < deadline, "shipping did not connect to the broker"
            time.sleep(0.05)
        return shipping

    yield start
    for shipping in started:
        shipping.stop()


@pytest.fixture
def probe(infra, instance_name) -> Iterator[EventProbe]:
    with EventProbe(infra.rabbitmq_url, instance_name, ["shipment.#"]) as p:
        yield p


def confirmed(order_id: int) -> OrderConfirmed:
    return OrderConfirmed(order_id=order_id, user_id=7,
                          items=[OrderLine(book_id=1, quantity=1)])


def cancelled(order_id: int, previous: str = "PROCESSING") -> OrderCancelled:
    return OrderCancelled(order_id=order_id, user_id=7, reason="user_cancelled",
                          previous_status=previous, items=[OrderLine(book_id=1, quantity=1)])


def released(order_id: int) -> OrderStatusChanged:
    """The order service's SHIPPED, which sends the order's READY shipment."""
    return OrderStatusChanged(order_id=order_id, user_id=7, status="SHIPPED",
                              previous_status="PROCESSING")


def distinct_updates(probe: EventProbe) -> list:
    """`shipment.updated` events by event id: the outbox may publish a row again after a crash
    (at least once); consumers drop such copies by id, so only distinct ids are effects."""
    seen: dict[str, object] = {}
    for e in probe.of_type("shipment.updated"):
        seen.setdefault(e.id, e)
    return list(seen.values())


def statuses(probe: EventProbe, order_id: int) -> list[str]:
    return [e.data["status"] for e in distinct_updates(probe) if e.data["order_id"] == order_id]


def status_counts(probe: EventProbe) -> Counter:
    """How many distinct events announced each (order_id, status)."""
    return Counter((e.data["order_id"], e.data["status"]) for e in distinct_updates(probe))


@pytest.fixture
def ev():
    from types import SimpleNamespace

    return SimpleNamespace(confirmed=confirmed, cancelled=cancelled, released=released,
                           statuses=statuses, status_counts=status_counts)
