"""One handler per incoming event: the saga's reactions to inventory and shipping, and the book
read model fed by catalog and inventory. Each applies its effect and emits events in the unit of
work it is given (the consumer records the inbox rows and commits the batch)."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    BookChanged,
    BookDeleted,
    InventoryRejected,
    InventoryReserved,
    ShipmentUpdated,
    StockChanged,
)

from ..domain.exceptions import UnknownOrder
from ..domain.model import Order, StatusChange
from .messages import change_events
from .unit_of_work import OrderUnitOfWork

log = logging.getLogger(__name__)

SHIPMENT_STATUSES_THAT_MOVE_AN_ORDER = frozenset({"READY", "DELIVERED"})


# ---- the saga: events that move an order (idempotent, late ones ignored) ----

def _locked(uow: OrderUnitOfWork, order_id: int) -> Order:
    order = uow.orders.get(order_id, for_update=True)
    if order is None:
        raise UnknownOrder(f"order {order_id} not found")
    return order


def _apply(uow: OrderUnitOfWork, order: Order, changes: list[StatusChange],
           envelope: Envelope) -> None:
    if not changes:
        log.info("late or duplicate event ignored", extra={
            "order_id": order.id, "event_type": envelope.type, "event_id": envelope.id,
            "status": order.status.value})
        return
    uow.orders.save_status(order, now=datetime.now(UTC))
    uow.emit(*change_events(order, changes))


def confirm_order(event: InventoryReserved, *, uow: OrderUnitOfWork, envelope: Envelope) -> None:
    """PENDING → PROCESSING and `order.confirmed`; a reservation after cancel is left to inventory.
    The reservation also reports its books' stock after it, for the book read model."""
    for report in event.stock_reports():
        remember_stock(report, uow=uow, envelope=envelope)
    order = _locked(uow, event.order_id)
    if order.holds_reservation_to_release:
        # order.cancelled was published when the order was cancelled; inventory releases any
        # reservation of an order it has seen cancelled, whichever of the two arrives first.
        log.warning("reservation for a cancelled order; inventory releases it",
                    extra={"order_id": order.id, "event_id": envelope.id})
        return
    _apply(uow, order, order.confirm_reservation(), envelope)


def cancel_rejected_order(event: InventoryRejected, *, uow: OrderUnitOfWork,
                          envelope: Envelope) -> None:
    """PENDING → CANCELLED with the inventory's reason (e.g. insufficient_stock)."""
    order = _locked(uow, event.order_id)
    _apply(uow, order, order.reject_reservation(event.reason), envelope)


def record_shipment(event: ShipmentUpdated, *, uow: OrderUnitOfWork, envelope: Envelope) -> None:
    """READY / DELIVERED from shipping (the registry lets only those through: PREPARING,
    SHIPPED and CANCELLED do not move an order, and do not need it to exist). A READY shipment
    ships a PROCESSING order; one READY after a cancel is ignored (shipping cancels it)."""
    order = _locked(uow, event.order_id)
    _apply(uow, order, order.record_shipment(event.status), envelope)


# ---- the book read model: the latest title, price and stock heard of, as of the event ----

def remember_book(event: BookChanged, *, uow: OrderUnitOfWork, envelope: Envelope) -> None:
    """book.created / book.updated: remember title, price and stock as of the event."""
    uow.books.upsert(book_id=event.book_id, title=event.title, price=event.price,
                     stock=event.stock, stock_version=event.stock_version,
                     at=envelope.occurred_at)


def mark_book_deleted(event: BookDeleted, *, uow: OrderUnitOfWork, envelope: Envelope) -> None:
    """book.deleted: the book can no longer be ordered."""
    uow.books.mark_deleted(book_id=event.book_id, at=envelope.occurred_at)


def remember_stock(event: StockChanged, *, uow: OrderUnitOfWork, envelope: Envelope) -> None:
    """inventory.stock_changed (and each book of an inventory.reserved): keep the stock for the
    early "Insufficient stock" answer."""
    uow.books.set_stock(book_id=event.book_id, stock=event.stock,
                        stock_version=event.stock_version, at=envelope.occurred_at)
