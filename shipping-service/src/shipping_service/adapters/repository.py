"""Reads and writes of shipment rows (SQLAlchemy Core, in the unit of work's session)."""
from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Protocol

from bookstore_shared.events import current_trace_context
from bookstore_shared.row_writes import update_each
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from ..domain.model import Shipment, ShipmentStatus, Step
from .orm import shipment


class ShipmentRepository(Protocol):
    """What the service layer reads and writes; SQL below, in memory in the unit tests."""

    def lock_by_order(self, order_id: int) -> Shipment | None: ...
    def lock_ahead(self, order_ids: Iterable[int]) -> None: ...
    def get_by_order(self, order_id: int) -> Shipment | None: ...
    def add(self, *, order_id: int, step: Step, now: datetime, tombstone: bool = False,
            correlation_id: str | None = None) -> None: ...
    def move(self, shipment_ids: Collection[int], step: Step, now: datetime) -> None: ...
    def claim_due(self, now: datetime, limit: int) -> list[Shipment]: ...
    def next_due_at(self) -> datetime | None: ...
    def flush(self) -> None: ...
    def forget_unsaved(self) -> None: ...


_STAMP = {ShipmentStatus.SHIPPED: "shipped_at", ShipmentStatus.DELIVERED: "delivered_at",
          ShipmentStatus.CANCELLED: "cancelled_at"}

# Statements are built once and executed with parameters: building a Core statement (and its
# cache key) on every call was a large share of the service's CPU per order.
_BY_ORDER = select(shipment).where(shipment.c.order_id == bindparam("order_id"))
_LOCK_BY_ORDER = _BY_ORDER.with_for_update()
_LOCK_BY_ORDERS = (select(shipment)
                   .where(shipment.c.order_id.in_(bindparam("order_ids", expanding=True)))
                   .order_by(shipment.c.order_id).with_for_update())
_INSERT = insert(shipment)
_CLAIM_DUE = (select(shipment)
              .where(shipment.c.next_step_at <= bindparam("now"))
              .order_by(shipment.c.next_step_at).limit(bindparam("limit"))
              .with_for_update(skip_locked=True))
_EARLIEST_DUE = select(func.min(shipment.c.next_step_at))


def as_utc(value: datetime | None) -> datetime | None:
    """Timestamps come back naive from MySQL and SQLite; they are stored in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _shipment(row) -> Shipment | None:
    if row is None:
        return None
    return Shipment(id=row.id, order_id=row.order_id, status=ShipmentStatus(row.status),
                    next_step_at=as_utc(row.next_step_at), created_at=as_utc(row.created_at),
                    tombstone=bool(row.tombstone), correlation_id=row.correlation_id,
                    traceparent=row.traceparent,
                    shipped_at=as_utc(row.shipped_at), delivered_at=as_utc(row.delivered_at),
                    cancelled_at=as_utc(row.cancelled_at))


class SqlShipmentRepository:
    """The shipping schema through one session (the unit of work's).

    New shipments and moves are kept until `flush()`, which the unit of work calls before
    COMMIT: a batch of events writes its shipments in one INSERT and its moves in one UPDATE
    (one per set of columns). Every read flushes them first, so it sees them.
    """

    def __init__(self, session: Session):
        self.session = session
        # read (and locked, where a row exists) by lock_ahead(), not yet asked for; None: no row
        self._ahead: dict[int, Shipment | None] = {}
        self._unsaved_new: list[dict] = []  # add(), not yet inserted
        self._unsaved_moves: dict[int, dict] = {}  # move(): shipment id -> its new columns

    def flush(self) -> None:
        """Insert the shipments and write the moves kept since the last flush."""
        new, self._unsaved_new = self._unsaved_new, []
        moves, self._unsaved_moves = self._unsaved_moves, {}
        if new:  # one multi-row INSERT; a shipment another replica added fails it (unique)
            self.session.execute(_INSERT, new)
        by_columns: dict[tuple[str, ...], list[dict]] = {}
        for row in moves.values():
            by_columns.setdefault(tuple(row), []).append(row)
        for columns, rows in by_columns.items():  # columns[0] is "id"
            update_each(self.session, shipment, "id", columns[1:], rows)

    def forget_unsaved(self) -> None:
        """Drop what flush() did not write (the transaction rolled back)."""
        self._unsaved_new, self._unsaved_moves = [], {}

    def lock_by_order(self, order_id: int) -> Shipment | None:
        """The order's shipment (or tombstone), locked; None when there is none."""
        if order_id in self._ahead:
            # read by lock_ahead(), unchanged since: a row is locked, and a shipment that was
            # missing and is inserted meanwhile by another transaction makes this one's insert
            # fail on the unique order id (the event is then applied again, and finds it)
            return self._ahead.pop(order_id)
        self.flush()
        return _shipment(self.session.execute(_LOCK_BY_ORDER, {"order_id": order_id}).first())

    def lock_ahead(self, order_ids: Iterable[int]) -> None:
        """Lock and read these orders' shipments in one statement, in order id order; the next
        `lock_by_order` of each, found or not, is answered from what was read (a later one reads
        again: by then this transaction may have written it)."""
        ids = sorted(set(order_ids))
        if len(ids) > 1:
            rows = self.session.execute(_LOCK_BY_ORDERS, {"order_ids": ids}).all()
            self._ahead = dict.fromkeys(ids)
            self._ahead.update((row.order_id, _shipment(row)) for row in rows)

    def get_by_order(self, order_id: int) -> Shipment | None:
        """The order's shipment (or tombstone), unlocked."""
        self.flush()
        return _shipment(self.session.execute(_BY_ORDER, {"order_id": order_id}).first())

    def add(self, *, order_id: int, step: Step, now: datetime, tombstone: bool = False,
            correlation_id: str | None = None) -> None:
        """A new shipment, inserted by flush() (unique per order: when another replica's is
        there first, the insert fails, and the event is applied again and finds it)."""
        self._unsaved_new.append({
            "order_id": order_id, "status": step.status.value, "next_step_at": step.next_step_at,
            "tombstone": tombstone, "correlation_id": correlation_id, "created_at": now,
            "updated_at": now, "traceparent": current_trace_context().get("traceparent"),
            "cancelled_at": now if step.status is ShipmentStatus.CANCELLED else None})

    def move(self, shipment_ids: Collection[int], step: Step, now: datetime) -> None:
        """Record these shipments' new state and next due time, written by flush()."""
        values = {"status": step.status.value, "next_step_at": step.next_step_at,
                  "updated_at": now}
        if step.status in _STAMP:
            values[_STAMP[step.status]] = now
        for shipment_id in shipment_ids:  # a second move keeps the first one's time stamp
            self._unsaved_moves.setdefault(shipment_id, {"id": shipment_id}).update(values)

    def claim_due(self, now: datetime, limit: int) -> list[Shipment]:
        """Lock due shipments, earliest first; rows another replica holds are skipped, so none
        is advanced twice."""
        self.flush()
        rows = self.session.execute(_CLAIM_DUE, {"now": now, "limit": limit}).all()
        return [_shipment(row) for row in rows]

    def next_due_at(self) -> datetime | None:
        """The earliest time any shipment moves next (this transaction's moves included)."""
        self.flush()
        return as_utc(self.session.execute(_EARLIEST_DUE).scalar())
