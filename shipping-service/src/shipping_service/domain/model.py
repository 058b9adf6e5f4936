"""The shipment state machine, without any I/O."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class ShipmentStatus(str, enum.Enum):
    PREPARING = "PREPARING"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class InvalidTransition(Exception):
    """A shipment was asked to move where its state machine does not go."""


@dataclass(frozen=True)
class Timings:
    """How long a shipment waits in PREPARING, then in SHIPPED."""

    ship_after: timedelta
    deliver_after: timedelta


@dataclass(frozen=True)
class Step:
    """A shipment's state and when it next moves (None: it never moves again)."""

    status: ShipmentStatus
    next_step_at: datetime | None


@dataclass(frozen=True)
class Shipment:
    """An order's shipment as stored; a tombstone stands for an order cancelled before it was
    confirmed (no shipment, but a late confirmation is refused)."""

    id: int
    order_id: int
    status: ShipmentStatus
    next_step_at: datetime | None
    created_at: datetime
    tombstone: bool = False
    # The saga's correlation id, so the scheduler's later updates stay in the same saga.
    correlation_id: str | None = None
    # The trace it was created in (if traced), which the scheduler's updates continue.
    traceparent: str | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None


class ConfirmedAction(str, enum.Enum):
    CREATE = "create"
    IGNORE = "ignore"


class CancelledAction(str, enum.Enum):
    CANCEL = "cancel"
    TOMBSTONE = "tombstone"
    IGNORE = "ignore"


def start(now: datetime, timings: Timings) -> Step:
    """A new shipment is PREPARING and ships after `ship_after`."""
    return Step(ShipmentStatus.PREPARING, now + timings.ship_after)


def advance(status: ShipmentStatus, due_at: datetime, timings: Timings) -> Step:
    """The next step of a due shipment; the schedule counts from when the step was due, so a
    restart does not stretch it."""
    if status is ShipmentStatus.PREPARING:
        return Step(ShipmentStatus.SHIPPED, due_at + timings.deliver_after)
    if status is ShipmentStatus.SHIPPED:
        return Step(ShipmentStatus.DELIVERED, None)
    raise InvalidTransition(f"a {status.value} shipment does not advance")


def on_order_confirmed(existing: ShipmentStatus | None) -> ConfirmedAction:
    """One shipment per order; a tombstone (cancelled before confirmed) also blocks creation."""
    return ConfirmedAction.CREATE if existing is None else ConfirmedAction.IGNORE


def on_order_cancelled(existing: ShipmentStatus | None) -> CancelledAction:
    """Only a shipment still PREPARING can be cancelled; none yet leaves a tombstone."""
    if existing is None:
        return CancelledAction.TOMBSTONE
    if existing is ShipmentStatus.PREPARING:
        return CancelledAction.CANCEL
    return CancelledAction.IGNORE
