"""The shipment state machine, without any I/O.

PREPARING -> READY on its own schedule; READY -> SHIPPED only when the order service releases it
(`order.status_changed` SHIPPED), then DELIVERED on schedule. PREPARING or READY -> CANCELLED on
`order.cancelled`. The order service decides between cancel and ship under the order's row lock,
so a shipment never leaves for an order that was cancelled.

`shipment.updated` reports READY (the order service ships the order), DELIVERED (it delivers it)
and CANCELLED (a cancellation's outcome). PREPARING and SHIPPED are not published: no service acts
on them, and that a shipment left is what the order's own SHIPPED says (it releases the shipment).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class ShipmentStatus(str, enum.Enum):
    PREPARING = "PREPARING"
    READY = "READY"  # packed, waiting for the order's release
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class InvalidTransition(Exception):
    """A shipment was asked to move where its state machine does not go."""


@dataclass(frozen=True)
class Timings:
    """How long a shipment is PREPARING before it is READY, then SHIPPED before DELIVERED."""

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


CANCELLABLE = frozenset({ShipmentStatus.PREPARING, ShipmentStatus.READY})


def start(now: datetime, timings: Timings) -> Step:
    """A new shipment is PREPARING and is READY after `ship_after`."""
    return Step(ShipmentStatus.PREPARING, now + timings.ship_after)


def advance(status: ShipmentStatus) -> Step:
    """The next step of a due shipment: a PREPARING one is READY and waits for its release (no
    next step), a SHIPPED one is DELIVERED."""
    if status is ShipmentStatus.PREPARING:
        return Step(ShipmentStatus.READY, None)
    if status is ShipmentStatus.SHIPPED:
        return Step(ShipmentStatus.DELIVERED, None)
    raise InvalidTransition(f"a {status.value} shipment does not advance")


def release(status: ShipmentStatus, now: datetime, timings: Timings) -> Step | None:
    """The order shipped: a READY shipment leaves now and is DELIVERED after `deliver_after`;
    any other shipment stays as it is (None: a repeated or out-of-place release)."""
    if status is ShipmentStatus.READY:
        return Step(ShipmentStatus.SHIPPED, now + timings.deliver_after)
    return None


def on_order_confirmed(existing: ShipmentStatus | None) -> ConfirmedAction:
    """One shipment per order; a tombstone (cancelled before confirmed) also blocks creation."""
    return ConfirmedAction.CREATE if existing is None else ConfirmedAction.IGNORE


def on_order_cancelled(existing: ShipmentStatus | None) -> CancelledAction:
    """A shipment that has not left (PREPARING or READY) is cancelled; none yet leaves a
    tombstone."""
    if existing is None:
        return CancelledAction.TOMBSTONE
    if existing in CANCELLABLE:
        return CancelledAction.CANCEL
    return CancelledAction.IGNORE
