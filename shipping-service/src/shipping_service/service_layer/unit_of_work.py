"""The unit of work shipping's handlers and scheduler run in: its repository plus the kit's
transaction."""
from __future__ import annotations

from collections.abc import Sequence

from bookstore_shared.events import Envelope
from bookstore_shared.kit import SqlUnitOfWork
from sqlalchemy.orm import Session

from ..adapters.repository import ShipmentRepository, SqlShipmentRepository

PRODUCER = "shipping"


class ShippingUnitOfWork(SqlUnitOfWork):
    """`uow.shipments`, `uow.emit(...)`, `uow.commit()`."""

    shipments: ShipmentRepository

    def before_batch(self, events: Sequence[Envelope]) -> None:
        """Every event of the shipping queue names an order whose shipment its handler locks
        first: lock them all in one statement."""
        self.shipments.lock_ahead(env.data["order_id"] for env in events
                                  if isinstance(env.data.get("order_id"), int))

    def _open(self, session: Session) -> None:
        self.shipments = SqlShipmentRepository(session)
