"""Fakes for service-layer tests: order's repositories and the catalog in memory, on the kit's
in-memory unit of work."""
from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    BookCreated,
    EventPayload,
    InventoryRejected,
    InventoryReserved,
    OrderLine,
    ShipmentUpdated,
    StockChanged,
)
from bookstore_shared.kit import InMemoryUnitOfWork
from bookstore_testing.kit import apply_events
from order_service.adapters.books import KnownBook
from order_service.adapters.catalog import CatalogBook, CatalogUnavailable
from order_service.adapters.repository import ConcurrentModification
from order_service.domain.idempotency import IdempotencyRecord
from order_service.domain.model import Order
from order_service.domain.timeline import OrderEvent
from order_service.entrypoints.consumers import HANDLERS
from order_service.service_layer.unit_of_work import RecordsOrderTimeline


class FakeOrderRepository:
    """Orders in a dict; `get` hands out a copy, as loading a row would."""

    def __init__(self) -> None:
        self.orders: dict[int, Order] = {}
        self.conflicts = 0  # how many next save_status calls lose a race (SQLite's conflict)

    def add(self, order: Order, *, now: datetime) -> int:
        order.id, order.created_at = len(self.orders) + 1, now
        self.orders[order.id] = copy.deepcopy(order)
        return order.id

    def get(self, order_id: int, *, for_update: bool = False) -> Order | None:
        found = self.orders.get(order_id)
        return replace(copy.deepcopy(found), changes=[]) if found else None

    def list(self, *, user_id, status, limit, offset):
        found = [o for o in sorted(self.orders.values(), key=lambda o: -o.id)
                 if (user_id is None or o.user_id == user_id)
                 and (status is None or o.status is status)]
        return [copy.deepcopy(o) for o in found[offset:offset + limit]], len(found)

    def save_status(self, order: Order, *, now: datetime) -> None:
        if not order.changes:
            return
        stored = self.orders[order.id]
        if self.conflicts or stored.status is not order.changes[0].previous:
            self.conflicts = max(0, self.conflicts - 1)
            raise ConcurrentModification(f"order {order.id} changed concurrently")
        self.orders[order.id] = replace(copy.deepcopy(order), changes=[])

    def flush(self) -> None:
        """Nothing to write: save_status() stores at once here."""

    def forget_unsaved(self) -> None:
        """Nothing waits to be written."""


class FakeIdempotencyRepository:
    def __init__(self) -> None:
        self.records: dict[tuple[int, str], IdempotencyRecord] = {}

    def find(self, user_id: int, key: str) -> IdempotencyRecord | None:
        return self.records.get((user_id, key))

    def add(self, *, user_id, key, record, now) -> None:
        assert (user_id, key) not in self.records, "one record per user and key"
        self.records[(user_id, key)] = record


@dataclass
class _Row:
    title: str
    price: Decimal
    deleted: bool
    synced_at: datetime
    stock: int | None = None
    stock_version: int | None = None
    stock_synced_at: datetime | None = None


class FakeBookReadModel:
    """The read model's guards in plain Python: older news never wins, a deletion is final."""

    def __init__(self) -> None:
        self.rows: dict[int, _Row] = {}

    def get_many(self, book_ids: list[int]) -> dict[int, KnownBook]:
        return {b: KnownBook(b, r.title, r.price, r.deleted, r.stock)
                for b, r in self.rows.items() if b in book_ids}

    def upsert(self, *, book_id, title, price, stock, stock_version, at) -> None:
        row = self.rows.get(book_id)
        if row is None:
            self.rows[book_id] = _Row(title, price, False, at, stock, stock_version,
                                      at if stock is not None else None)
            return
        if row.synced_at <= at and not row.deleted:
            row.title, row.price, row.synced_at = title, price, at
        if stock is not None:
            self.set_stock(book_id=book_id, stock=stock, stock_version=stock_version, at=at)

    def set_stock(self, *, book_id, stock, stock_version, at) -> None:
        row = self.rows.get(book_id)
        if row is None:
            return
        later = row.stock_synced_at is None or row.stock_synced_at <= at
        newer = (later if stock_version is None else
                 row.stock_version is None or row.stock_version < stock_version
                 or (row.stock_version == stock_version and later))
        if newer:
            row.stock, row.stock_version, row.stock_synced_at = stock, stock_version, at

    def mark_deleted(self, *, book_id, at) -> None:
        row = self.rows.setdefault(book_id, _Row("", Decimal(0), True, at))
        row.deleted, row.synced_at = True, at


class FakeCatalog:
    """The catalog's answers from a dict; `down` makes every question fail."""

    def __init__(self) -> None:
        self.books: dict[int, CatalogBook] = {}
        self.asked: list[int] = []
        self.down = False

    def add(self, book_id: int, *, price: str = "10.00", stock: int | None = 100,
            title: str = "A Book", stock_version: int | None = 1) -> int:
        self.books[book_id] = CatalogBook(book_id, title, Decimal(price), stock, stock_version)
        return book_id

    def book(self, book_id: int) -> CatalogBook | None:
        self.asked.append(book_id)
        if self.down:
            raise CatalogUnavailable("catalog unreachable")
        return self.books.get(book_id)

    def close(self) -> None:
        pass


class FakeOrderTimeline:
    """Timeline entries in a list (kept, like every fake here, even if a later step rolls back)."""

    def __init__(self) -> None:
        self.entries: list[OrderEvent] = []

    def add(self, entries) -> None:
        self.entries.extend(entries)

    def of(self, order_id: int) -> list[OrderEvent]:
        return [e for e in self.entries if e.order_id == order_id]


class FakeOrderUnitOfWork(RecordsOrderTimeline, InMemoryUnitOfWork):
    """The kit's in-memory unit of work with order's fakes; it records timelines as the real
    one does (the same RecordsOrderTimeline)."""

    def __init__(self) -> None:
        super().__init__(producer="order")
        self.orders = FakeOrderRepository()
        self.idempotency = FakeIdempotencyRepository()
        self.books = FakeBookReadModel()
        self.timeline = FakeOrderTimeline()


def deliver(uow: FakeOrderUnitOfWork, *events: EventPayload | Envelope) -> list[EventPayload]:
    """Apply events one unit of work each, through the registry, as the consumer does; returns
    what they emitted."""
    before = len(uow.published)
    apply_events(HANDLERS.bind(), uow, *events)
    return [env.payload() for env in uow.published[before:]]


def at(envelope: Envelope, seconds: float) -> Envelope:
    """The same event, as if it had occurred `seconds` later (negative: earlier)."""
    return envelope.model_copy(update={"occurred_at": envelope.occurred_at
                                       + timedelta(seconds=seconds)})


def lines(*pairs: tuple[int, int]) -> list[OrderLine]:
    return [OrderLine(book_id=b, quantity=q) for b, q in pairs]


def book_created(book_id: int, *, price: str = "7.50", stock: int | None = 5,
                 title: str = "Evented") -> BookCreated:
    return BookCreated(book_id=book_id, title=title, author="A", price=Decimal(price),
                       stock=stock, stock_version=1 if stock is not None else None)


@pytest.fixture
def uow() -> FakeOrderUnitOfWork:
    return FakeOrderUnitOfWork()


@pytest.fixture
def catalog() -> FakeCatalog:
    return FakeCatalog()


@pytest.fixture
def ev() -> SimpleNamespace:
    """Builders of the events order consumes, and `deliver` (test modules cannot import each
    other under importlib mode)."""
    return SimpleNamespace(
        deliver=deliver, at=at, book_created=book_created,
        reserved=lambda order_id, *pairs: InventoryReserved(order_id=order_id,
                                                            items=lines(*pairs)),
        rejected=lambda order_id, reason="insufficient_stock": InventoryRejected(
            order_id=order_id, reason=reason),
        shipment=lambda order_id, status: ShipmentUpdated(shipment_id=1, order_id=order_id,
                                                          status=status),
        stock=lambda book_id, stock, version=None: StockChanged(book_id=book_id, stock=stock,
                                                                stock_version=version))
