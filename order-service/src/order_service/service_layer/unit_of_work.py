"""The unit of work order's service layer runs in: its repositories plus the kit's transaction."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bookstore_shared.kit import SqlUnitOfWork, UnitOfWork
from sqlalchemy.orm import Session

from ..adapters.books import BookReadModel, SqlBookReadModel
from ..adapters.repository import (
    IdempotencyRepository,
    OrderRepository,
    SqlIdempotencyRepository,
    SqlOrderRepository,
)

PRODUCER = "order"


class OrderUnitOfWork(SqlUnitOfWork):
    """`uow.orders`, `uow.idempotency`, `uow.books` (the read model), `uow.emit(...)`, `uow.commit()`."""

    orders: OrderRepository
    idempotency: IdempotencyRepository
    books: BookReadModel

    def _open(self, session: Session) -> None:
        self.orders = SqlOrderRepository(session)
        self.idempotency = SqlIdempotencyRepository(session)
        self.books = SqlBookReadModel(session)


@contextmanager
def transaction(uow: UnitOfWork) -> Iterator[None]:
    """One step of a request that takes several: whatever the step did not commit is rolled back
    when it ends (also on error), so the next step starts a fresh transaction. Placing an order
    needs this: no snapshot or row lock may be held across the catalog call, and a step that
    lost a race (a unique key, a deadlock, a concurrent status change) is run again from scratch."""
    try:
        yield
    finally:
        uow.rollback()
