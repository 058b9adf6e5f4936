"""The unit of work inventory's handlers run in: its repository plus the kit's transaction."""
from __future__ import annotations

from bookstore_shared.kit import SqlUnitOfWork
from sqlalchemy.orm import Session

from ..adapters.repository import InventoryRepository, SqlInventoryRepository

PRODUCER = "inventory"


class InventoryUnitOfWork(SqlUnitOfWork):
    """`uow.inventory` (stock and reservations), `uow.emit(...)`, `uow.commit()`."""

    inventory: InventoryRepository

    def _open(self, session: Session) -> None:
        self.inventory = SqlInventoryRepository(session)
