"""The unit of work order's service layer runs in: its repositories plus the kit's transaction."""
from __future__ import annotations

from bookstore_shared.kit import SqlUnitOfWork
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
