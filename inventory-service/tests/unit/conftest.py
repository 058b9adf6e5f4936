"""Fakes for service-layer tests: inventory's repository in memory, the kit's in-memory unit of work."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace

import pytest
from bookstore_shared.events.contracts import OrderCancelled, OrderLine, OrderPlaced
from bookstore_shared.kit import InMemoryUnitOfWork
from inventory_service.domain.exceptions import StockConflict
from inventory_service.domain.model import Line, Reservation, ReservationStatus, StockLevel


class FakeInventoryRepository:
    """Stock and reservations in dicts; same answers as the SQL repository, no locks needed."""

    def __init__(self, *levels: StockLevel):
        self.levels = {lvl.book_id: lvl for lvl in levels}
        self.reservations: dict[int, Reservation] = {}

    def lock_levels(self, book_ids: Iterable[int]) -> dict[int, StockLevel]:
        return {b: self.levels[b] for b in sorted(set(book_ids)) if b in self.levels}

    current_stock = lock_levels

    def lock_ahead(self, *, order_ids: Iterable[int], book_ids: Iterable[int]) -> None:
        """Nothing to read ahead: every read here is free."""

    def get_level(self, book_id: int) -> StockLevel | None:
        return self.levels.get(book_id)

    def add_level(self, level: StockLevel) -> None:
        self.levels[level.book_id] = replace(level, revision=1)

    def set_level(self, book_id: int, *, available=None, stock_version=None, deleted=None) -> None:
        now = self.levels[book_id]
        self.levels[book_id] = replace(
            now, available=now.available if available is None else available,
            stock_version=now.stock_version if stock_version is None else stock_version,
            deleted=now.deleted if deleted is None else deleted, revision=now.revision + 1)

    def _add(self, lines: Iterable[Line], sign: int) -> None:
        for line in lines:
            now = self.levels[line.book_id]
            if now.available + sign * line.quantity < 0:
                raise StockConflict(f"stock of book {line.book_id} changed concurrently")
            self.levels[line.book_id] = replace(now, available=now.available + sign * line.quantity,
                                                revision=now.revision + 1)

    def take(self, lines: Iterable[Line]) -> None:
        self._add(lines, -1)

    def give_back(self, lines: Iterable[Line]) -> None:
        self._add(lines, +1)

    def lock_reservation(self, order_id: int) -> Reservation | None:
        return self.reservations.get(order_id)

    get_reservation = lock_reservation

    def add_reservation(self, new: Reservation) -> None:
        assert new.order_id not in self.reservations, "one reservation per order"
        self.reservations[new.order_id] = new

    def set_reservation_status(self, order_id: int, status: ReservationStatus) -> None:
        self.reservations[order_id] = replace(self.reservations[order_id], status=status)


class FakeInventoryUnitOfWork(InMemoryUnitOfWork):
    def __init__(self, *levels: StockLevel):
        super().__init__(producer="inventory")
        self.inventory = FakeInventoryRepository(*levels)


def lines(*pairs: tuple[int, int]) -> list[OrderLine]:
    return [OrderLine(book_id=b, quantity=q, unit_price=Decimal("9.99")) for b, q in pairs]


def placed(order_id: int, *pairs: tuple[int, int]) -> OrderPlaced:
    return OrderPlaced(order_id=order_id, user_id=7, items=lines(*pairs))


def cancelled(order_id: int, *pairs: tuple[int, int], previous: str = "PROCESSING") -> OrderCancelled:
    return OrderCancelled(order_id=order_id, user_id=7, reason="user_cancelled",
                          previous_status=previous, items=lines(*pairs))


@pytest.fixture
def make_uow():
    """A fake unit of work holding the given stock levels."""
    return FakeInventoryUnitOfWork


@pytest.fixture
def ev() -> SimpleNamespace:
    """Builders of the events inventory consumes (test modules cannot import each other)."""
    return SimpleNamespace(placed=placed, cancelled=cancelled, lines=lines)
