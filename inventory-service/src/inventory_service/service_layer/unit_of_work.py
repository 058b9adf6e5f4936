"""The unit of work inventory's handlers run in: its repository plus the kit's transaction."""
from __future__ import annotations

from collections.abc import Sequence

from bookstore_shared.events import Envelope
from bookstore_shared.kit import SqlUnitOfWork, ids_named
from sqlalchemy.orm import Session

from ..adapters.repository import InventoryRepository, SqlInventoryRepository

PRODUCER = "inventory"
PLACEMENT = "order.placed"  # the event whose handler locks its books' stock


def _placed_books(events: Sequence[Envelope]) -> list[int]:
    return [line["book_id"] for env in events if env.type == PLACEMENT
            for line in env.data.get("items", ())
            if isinstance(line, dict) and isinstance(line.get("book_id"), int)]


class InventoryUnitOfWork(SqlUnitOfWork):
    """`uow.inventory` (stock and reservations), `uow.emit(...)`, `uow.commit()`."""

    inventory: InventoryRepository

    def before_batch(self, events: Sequence[Envelope]) -> None:
        """A placement or a cancellation locks its order's reservation first, a placement then
        its books' stock: lock all the batch's reservations in one statement, then all those
        books' stock in another."""
        self.inventory.lock_ahead(order_ids=ids_named(events, "order_id"),
                                  book_ids=_placed_books(events))

    def _open(self, session: Session) -> None:
        self.inventory = SqlInventoryRepository(session)
