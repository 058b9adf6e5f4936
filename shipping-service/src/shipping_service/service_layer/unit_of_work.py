"""The unit of work shipping's handlers and scheduler run in: its repository plus the kit's
transaction."""
from __future__ import annotations

from bookstore_shared.kit import SqlUnitOfWork
from sqlalchemy.orm import Session

from ..adapters.repository import ShipmentRepository, SqlShipmentRepository

PRODUCER = "shipping"


class ShippingUnitOfWork(SqlUnitOfWork):
    """`uow.shipments`, `uow.emit(...)`, `uow.commit()`."""

    shipments: ShipmentRepository

    def _open(self, session: Session) -> None:
        self.shipments = SqlShipmentRepository(session)
