"""A running inventory runtime on a fresh instance of the real MySQL and RabbitMQ."""
from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace

import pytest
from bookstore_shared.events.contracts import (
    BookCreated,
    BookDeleted,
    BookUpdated,
    OrderCancelled,
    OrderLine,
    OrderPlaced,
)
from bookstore_shared.kit.container import Container
from bookstore_shared.probe import EventProbe
from inventory_service.bootstrap import bootstrap
from inventory_service.config import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(infra, new_instance) -> Settings:
    return Settings(_env_file=None, mysql_url=infra.mysql_url, rabbitmq_url=infra.rabbitmq_url,
                    instance=new_instance(), retry_delays_ms="200,400,800,1600", prefetch=16)


def start(settings: Settings) -> Container:
    """Start a runtime and wait until it consumes."""
    inventory = bootstrap(settings)
    inventory.runtime.start()
    deadline = time.monotonic() + 15
    while not inventory.runtime.bus.is_healthy():
        assert time.monotonic() < deadline, "inventory did not connect to the broker"
        time.sleep(0.05)
    return inventory


@pytest.fixture
def inventory(settings) -> Iterator[Container]:
    running = start(settings)
    yield running
    running.runtime.stop()


@pytest.fixture
def probe(infra, settings) -> Iterator[EventProbe]:
    with EventProbe(infra.rabbitmq_url, settings.instance, ["inventory.#"]) as p:
        yield p


@pytest.fixture
def books(inventory, probe, ev):
    """Book 1 with 5 copies, book 2 with 1 copy (their stock reports then forgotten)."""
    probe.publish(ev.book_created(1, 5, 1), ev.book_created(2, 1, 1))
    probe.wait_for("inventory.stock_changed", 2)
    probe.events.clear()


def stock_of(inventory: Container, book_id: int):
    """The book's stock row as inventory holds it."""
    with inventory.uow() as uow:
        return uow.inventory.get_level(book_id)


def reservation_of(inventory: Container, order_id: int):
    with inventory.uow() as uow:
        return uow.inventory.get_reservation(order_id)


# ---- builders of the events inventory consumes ----

def book_created(book_id: int, stock: int | None, version: int | None = 1) -> BookCreated:
    return BookCreated(book_id=book_id, title=f"Book {book_id}", author="A. Author",
                       price=Decimal("9.99"), stock=stock, stock_version=version)


def book_updated(book_id: int, stock: int, version: int) -> BookUpdated:
    return BookUpdated(book_id=book_id, title=f"Book {book_id}", author="A. Author",
                       price=Decimal("9.99"), stock=stock, stock_version=version)


def book_deleted(book_id: int) -> BookDeleted:
    return BookDeleted(book_id=book_id)


def lines(*pairs: tuple[int, int]) -> list[OrderLine]:
    return [OrderLine(book_id=b, quantity=q, unit_price=Decimal("9.99")) for b, q in pairs]


def order_placed(order_id: int, *pairs: tuple[int, int]) -> OrderPlaced:
    return OrderPlaced(order_id=order_id, user_id=7, items=lines(*pairs))


def order_cancelled(order_id: int, *pairs: tuple[int, int],
                    previous: str = "PROCESSING") -> OrderCancelled:
    return OrderCancelled(order_id=order_id, user_id=7, reason="user_cancelled",
                          previous_status=previous, items=lines(*pairs))


@pytest.fixture
def ev() -> SimpleNamespace:
    """The event builders above (test modules cannot import each other under importlib mode)."""
    return SimpleNamespace(book_created=book_created, book_updated=book_updated,
                           book_deleted=book_deleted, order_placed=order_placed,
                           order_cancelled=order_cancelled, stock_of=stock_of,
                           reservation_of=reservation_of, start=start)
