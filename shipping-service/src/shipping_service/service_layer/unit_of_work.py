"""The unit of work shipping's handlers and scheduler run in: its repository plus the kit's
transaction."""
from __future__ import annotations

from collections.abc import Sequence

from bookstore_shared.events import Envelope
from bookstore_shared.kit import SqlUnitOfWork, ids_named
from sqlalchemy.orm import Session

from ..adapters.repository import ShipmentRepository, SqlShipmentRepository

PRODUCER = "shipping"


class ShippingUnitOfWork(SqlUnitOfWork):
    """`uow.shipments`, `uow.emit(...)`, `uow.commit()`."""

    shipments: ShipmentRepository

    def before_batch(self, events: Sequence[Envelope]) -> None:
        """Every event of the shipping queue names an order whose shipment its handler locks
        first: lock them all in one statement."""
        self.shipments.lock_ahead(ids_named(events, "order_id"))

    def _open(self, session: Session) -> None:
        self.shipments = SqlShipmentRepository(session)

    def _commit(self, envelopes: list[Envelope]) -> None:
        self.shipments.flush()  # the batch's new shipments and moves, a statement or two
        super()._commit(envelopes)

    def _rollback(self) -> None:
        self.shipments.forget_unsaved()
        super()._rollback()
