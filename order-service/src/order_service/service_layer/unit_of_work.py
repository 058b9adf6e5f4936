"""The unit of work order's service layer runs in: its repositories plus the kit's transaction,
and the orders' timelines written in that same transaction."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import EventPayload
from bookstore_shared.kit import SqlUnitOfWork, UnitOfWork, ids_named
from sqlalchemy.orm import Session

from ..adapters.books import BookReadModel, SqlBookReadModel
from ..adapters.repository import (
    IdempotencyRepository,
    OrderRepository,
    SqlIdempotencyRepository,
    SqlOrderRepository,
)
from ..adapters.timeline import OrderTimeline, SqlOrderTimeline
from .timeline import timeline_entries

PRODUCER = "order"


class RecordsOrderTimeline(UnitOfWork):
    """Every order event committed is appended to its order's timeline, after the handled event
    that caused it, in the same transaction: one place, whichever handler or route emitted it."""

    timeline: OrderTimeline

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._causes: dict[str, Envelope] = {}

    def emit(self, *payloads: EventPayload) -> None:
        if self.cause is not None:
            self._causes[self.cause.id] = self.cause
        super().emit(*payloads)

    def _commit(self, envelopes: list[Envelope]) -> None:
        causes, self._causes = self._causes, {}
        self.timeline.add(timeline_entries(envelopes, causes))
        super()._commit(envelopes)

    def _rollback(self) -> None:
        self._causes = {}
        super()._rollback()


class OrderUnitOfWork(RecordsOrderTimeline, SqlUnitOfWork):
    """`uow.orders`, `uow.idempotency`, `uow.books` (the read model), `uow.timeline`,
    `uow.emit(...)`, `uow.commit()`."""

    orders: OrderRepository
    idempotency: IdempotencyRepository
    books: BookReadModel

    def before_batch(self, events: Sequence[Envelope]) -> None:
        """Every event of the order queue that names an order moves it (the saga's handlers
        lock it first): lock them all in one statement."""
        self.orders.lock_ahead(ids_named(events, "order_id"))

    def _commit(self, envelopes: list[Envelope]) -> None:
        self.orders.flush()  # the statuses this transaction changed, in one statement
        super()._commit(envelopes)

    def _rollback(self) -> None:
        self.orders.forget_unsaved()
        super()._rollback()

    def _open(self, session: Session) -> None:
        self.orders = SqlOrderRepository(session)
        self.idempotency = SqlIdempotencyRepository(session)
        self.books = SqlBookReadModel(session)
        self.timeline = SqlOrderTimeline(session)
