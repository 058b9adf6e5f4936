"""Orders' stored event timelines in the order schema."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from ..domain.timeline import OrderEvent
from .orm import order_event
from .repository import as_utc, utc_naive


class OrderTimeline(Protocol):
    """What the service layer writes and reads of order timelines; SQL below, in memory in tests."""

    def add(self, entries: Sequence[OrderEvent]) -> None: ...
    def of(self, order_id: int) -> list[OrderEvent]: ...


_INSERT = insert(order_event)
_OF_ORDER = (select(order_event).where(order_event.c.order_id == bindparam("order_id"))
             .order_by(order_event.c.id))


class SqlOrderTimeline:
    """Timeline rows in the unit of work's session (one insert for all the entries of a commit)."""

    def __init__(self, session: Session):
        self.session = session

    def add(self, entries: Sequence[OrderEvent]) -> None:
        """Append entries, in their order."""
        if entries:
            self.session.execute(_INSERT, [
                {"order_id": e.order_id, "event_id": e.event_id, "event_type": e.type,
                 "producer": e.producer, "occurred_at": utc_naive(e.occurred_at),
                 "status": e.status, "detail": e.detail} for e in entries])

    def of(self, order_id: int) -> list[OrderEvent]:
        """One order's timeline, oldest first."""
        return [OrderEvent(order_id=int(row.order_id), event_id=row.event_id,
                           type=row.event_type, producer=row.producer,
                           occurred_at=as_utc(row.occurred_at), status=row.status,
                           detail=row.detail)
                for row in self.session.execute(_OF_ORDER, {"order_id": order_id})]
