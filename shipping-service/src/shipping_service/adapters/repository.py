"""Reads and writes of shipment rows (SQLAlchemy Core, inside the caller's session)."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from ..domain.model import ShipmentStatus, Step
from .orm import shipment

_STAMP = {ShipmentStatus.SHIPPED: "shipped_at", ShipmentStatus.DELIVERED: "delivered_at",
          ShipmentStatus.CANCELLED: "cancelled_at"}

# Statements are built once and executed with parameters: building a Core statement (and its
# cache key) on every call was a large share of the service's CPU per order.
_BY_ORDER = select(shipment).where(shipment.c.order_id == bindparam("order_id"))
_LOCK_BY_ORDER = _BY_ORDER.with_for_update()
_INSERT = insert(shipment)
# Without .values(), UPDATE ... SET takes its columns from the parameter names.
_UPDATE_BY_ID = update(shipment).where(shipment.c.id == bindparam("shipment_id"))
_CLAIM_DUE = (select(shipment.c.id, shipment.c.order_id, shipment.c.status,
                     shipment.c.next_step_at, shipment.c.correlation_id)
              .where(shipment.c.next_step_at <= bindparam("now"))
              .order_by(shipment.c.next_step_at).limit(bindparam("limit"))
              .with_for_update(skip_locked=True))
_EARLIEST_DUE = select(func.min(shipment.c.next_step_at))


def as_utc(value: datetime | None) -> datetime | None:
    """Timestamps come back naive from MySQL and SQLite; they are stored in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def lock_by_order(session: Session, order_id: int):
    """The order's shipment row (or tombstone), locked; None when there is none."""
    return session.execute(_LOCK_BY_ORDER, {"order_id": order_id}).first()


def get_by_order(session: Session, order_id: int):
    """The order's shipment row, unlocked."""
    return session.execute(_BY_ORDER, {"order_id": order_id}).first()


def add(session: Session, *, order_id: int, step: Step, now: datetime,
        tombstone: bool = False, correlation_id: str | None = None) -> int:
    """Insert a shipment (unique per order: a racing writer fails and its event is retried)."""
    result = session.execute(_INSERT, {
        "order_id": order_id, "status": step.status.value, "next_step_at": step.next_step_at,
        "tombstone": tombstone, "correlation_id": correlation_id, "created_at": now,
        "updated_at": now,
        "cancelled_at": now if step.status is ShipmentStatus.CANCELLED else None})
    return result.inserted_primary_key[0]


def move(session: Session, shipment_id: int, step: Step, now: datetime) -> None:
    """Record a shipment's new state and its next due time."""
    values = {"status": step.status.value, "next_step_at": step.next_step_at, "updated_at": now}
    if step.status in _STAMP:
        values[_STAMP[step.status]] = now
    session.execute(_UPDATE_BY_ID, {"shipment_id": shipment_id, **values})


def claim_due(session: Session, now: datetime, limit: int):
    """Lock due shipments; rows another replica holds are skipped, so none is advanced twice."""
    return session.execute(_CLAIM_DUE, {"now": now, "limit": limit}).all()


def next_due_at(session: Session) -> datetime | None:
    """The earliest time any shipment moves next."""
    return as_utc(session.execute(_EARLIEST_DUE).scalar())
