"""The order and its state machine: PENDING → PROCESSING → SHIPPED → DELIVERED, or → CANCELLED."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .exceptions import InvalidTransition, OrderNotCancellable

CENT = Decimal("0.01")


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PROCESSING, OrderStatus.CANCELLED}),
    OrderStatus.PROCESSING: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}

CANCELLED_BY_USER = "cancelled_by_user"


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """True when the state machine allows `current` → `target`."""
    return target in ALLOWED[current]


def money(value: Decimal | str | int) -> Decimal:
    """An exact amount rounded to cents."""
    return Decimal(value).quantize(CENT)


@dataclass(frozen=True)
class OrderLine:
    """One book of an order, priced when the order was placed."""

    book_id: int
    quantity: int
    unit_price: Decimal
    title: str

    @property
    def subtotal(self) -> Decimal:
        return money(self.unit_price * self.quantity)


@dataclass(frozen=True)
class StatusChange:
    """One applied transition; the service layer turns it into events."""

    previous: OrderStatus
    status: OrderStatus
    reason: str | None = None


@dataclass
class Order:
    """An order; every method returns the transitions it applied ([] = ignored as late/duplicate)."""

    user_id: int
    lines: list[OrderLine]
    status: OrderStatus = OrderStatus.PENDING
    id: int | None = None
    created_at: datetime | None = None
    cancel_reason: str | None = None
    changes: list[StatusChange] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        """Exact sum of the lines, in cents."""
        return money(sum((line.subtotal for line in self.lines), Decimal(0)))

    def _move(self, target: OrderStatus, reason: str | None = None) -> StatusChange:
        if not can_transition(self.status, target):
            raise InvalidTransition(f"{self.status} → {target}")
        change = StatusChange(self.status, target, reason)
        self.status = target
        if target is OrderStatus.CANCELLED:
            self.cancel_reason = reason
        self.changes.append(change)
        return change

    def confirm_reservation(self) -> list[StatusChange]:
        """Stock was reserved: PENDING → PROCESSING; anything else is late or duplicate."""
        if self.status is OrderStatus.PENDING:
            return [self._move(OrderStatus.PROCESSING)]
        return []

    def reject_reservation(self, reason: str) -> list[StatusChange]:
        """Stock could not be reserved: PENDING → CANCELLED with the reason."""
        if self.status is OrderStatus.PENDING:
            return [self._move(OrderStatus.CANCELLED, reason)]
        return []

    def cancel(self, reason: str = CANCELLED_BY_USER) -> StatusChange:
        """Cancel from PENDING or PROCESSING; otherwise OrderNotCancellable."""
        if not can_transition(self.status, OrderStatus.CANCELLED):
            raise OrderNotCancellable(self.status.value)
        return self._move(OrderStatus.CANCELLED, reason)

    def record_shipment(self, shipment_status: str) -> list[StatusChange]:
        """A READY shipment ships a PROCESSING order: the order decides, under its row lock, so it
        is never both cancelled and shipped (shipping sends the shipment on the order's SHIPPED
        and cancels it on `order.cancelled`). DELIVERED follows SHIPPED (and ships first if
        needed). SHIPPED from shipping follows the order's own SHIPPED: nothing to do."""
        if shipment_status == "READY" and self.status is OrderStatus.PROCESSING:
            return [self._move(OrderStatus.SHIPPED)]
        if shipment_status == "DELIVERED":
            if self.status is OrderStatus.PROCESSING:
                return [self._move(OrderStatus.SHIPPED), self._move(OrderStatus.DELIVERED)]
            if self.status is OrderStatus.SHIPPED:
                return [self._move(OrderStatus.DELIVERED)]
        return []

    @property
    def holds_reservation_to_release(self) -> bool:
        """A reservation for a cancelled order must be released (inventory does it on order.cancelled)."""
        return self.status is OrderStatus.CANCELLED
