"""Fakes for service-layer tests: shipping's repository in memory, the kit's in-memory unit of work."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from bookstore_shared.background import CommitSignal
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    OrderCancelled,
    OrderConfirmed,
    OrderLine,
    OrderStatusChanged,
)
from bookstore_shared.kit import InMemoryUnitOfWork
from bookstore_testing.kit import apply_events
from shipping_service.domain.model import Shipment, ShipmentStatus, Step, Timings
from shipping_service.entrypoints.consumers import HANDLERS

TIMINGS = Timings(ship_after=timedelta(seconds=5), deliver_after=timedelta(seconds=10))

_STAMP = {ShipmentStatus.SHIPPED: "shipped_at", ShipmentStatus.DELIVERED: "delivered_at",
          ShipmentStatus.CANCELLED: "cancelled_at"}


class FakeShipmentRepository:
    """Shipments in a dict by order; same answers as the SQL repository, no locks needed."""

    def __init__(self):
        self.by_order: dict[int, Shipment] = {}

    def lock_by_order(self, order_id: int) -> Shipment | None:
        return self.by_order.get(order_id)

    get_by_order = lock_by_order

    def add(self, *, order_id: int, step: Step, now: datetime, tombstone: bool = False,
            correlation_id: str | None = None) -> None:
        assert order_id not in self.by_order, "one shipment per order"
        shipment_id = len(self.by_order) + 1
        self.by_order[order_id] = Shipment(
            id=shipment_id, order_id=order_id, status=step.status,
            next_step_at=step.next_step_at, created_at=now, tombstone=tombstone,
            correlation_id=correlation_id,
            cancelled_at=now if step.status is ShipmentStatus.CANCELLED else None)

    def move(self, shipment_ids: Collection[int], step: Step, now: datetime) -> None:
        stamp = {_STAMP[step.status]: now} if step.status in _STAMP else {}
        for found in [s for s in self.by_order.values() if s.id in shipment_ids]:
            self.by_order[found.order_id] = replace(found, status=step.status,
                                                    next_step_at=step.next_step_at, **stamp)

    def claim_due(self, now: datetime, limit: int) -> list[Shipment]:
        due = [s for s in self.by_order.values() if s.next_step_at and s.next_step_at <= now]
        return sorted(due, key=lambda s: s.next_step_at)[:limit]

    def next_due_at(self) -> datetime | None:
        return min((s.next_step_at for s in self.by_order.values() if s.next_step_at),
                   default=None)

    def flush(self) -> None:
        """Nothing kept: every write above is applied at once."""

    def forget_unsaved(self) -> None:
        """Nothing kept (and, like cosmicpython's fakes, nothing rolled back)."""


class FakeShippingUnitOfWork(InMemoryUnitOfWork):
    def __init__(self):
        super().__init__(producer="shipping")
        self.shipments = FakeShipmentRepository()


SCHEDULE = CommitSignal("test_schedule_changed")


def handle(uow: FakeShippingUnitOfWork, *events) -> list[Envelope]:
    """Apply events one unit of work each, through the registry with bootstrap's dependencies,
    as the consumer does; returns the envelopes the events arrived in."""
    return apply_events(HANDLERS.bind(timings=TIMINGS, schedule=SCHEDULE), uow, *events,
                        producer="order")


def confirmed(order_id: int) -> OrderConfirmed:
    return OrderConfirmed(order_id=order_id, user_id=7, items=[OrderLine(book_id=1, quantity=1)])


def cancelled(order_id: int, previous: str = "PROCESSING") -> OrderCancelled:
    return OrderCancelled(order_id=order_id, user_id=7, reason="user_cancelled",
                          previous_status=previous, items=[OrderLine(book_id=1, quantity=1)])


def status_changed(order_id: int, status: str = "SHIPPED") -> OrderStatusChanged:
    """The order service's status change (SHIPPED releases the order's shipment)."""
    return OrderStatusChanged(order_id=order_id, user_id=7, status=status,
                              previous_status="PROCESSING")


@pytest.fixture
def uow() -> FakeShippingUnitOfWork:
    return FakeShippingUnitOfWork()


@pytest.fixture
def ev() -> SimpleNamespace:
    """Builders and helpers (test modules cannot import each other under importlib mode)."""
    return SimpleNamespace(confirmed=confirmed, cancelled=cancelled, handle=handle,
                           status_changed=status_changed,
                           timings=TIMINGS, schedule=SCHEDULE, t0=datetime(2024, 1, 1, tzinfo=UTC))
