"""Events that move an order: reservation results and shipment progress (idempotent, in order)."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import InventoryRejected, InventoryReserved, ShipmentUpdated
from bookstore_shared.outbox import Outbox
from sqlalchemy.orm import Session

from ..adapters.repository import OrderRepository
from ..domain.model import Order, StatusChange
from .messages import change_events

log = logging.getLogger(__name__)


class UnknownOrder(LookupError):
    """An event names an order this service has no record of (retried, then parked)."""


SHIPMENT_STATUSES_THAT_MOVE_AN_ORDER = frozenset({"SHIPPED", "DELIVERED"})


def moves_an_order_or_book(env: Envelope) -> bool:
    """False for shipment updates the order does not follow (PREPARING, CANCELLED)."""
    return (env.type != "shipment.updated"
            or env.data.get("status") in SHIPMENT_STATUSES_THAT_MOVE_AN_ORDER)


def _locked(session: Session, order_id: int) -> tuple[OrderRepository, Order]:
    repo = OrderRepository(session)
    order = repo.get(order_id, for_update=True)
    if order is None:
        raise UnknownOrder(f"order {order_id} not found")
    return repo, order


def _apply(session: Session, outbox: Outbox, repo: OrderRepository, order: Order,
           changes: list[StatusChange], env: Envelope) -> None:
    if not changes:
        log.info("late or duplicate event ignored", extra={
            "order_id": order.id, "event_type": env.type, "event_id": env.id,
            "status": order.status.value})
        return
    repo.save_status(order, now=datetime.now(UTC))
    outbox.add(session, *change_events(order, changes, causation=env))


def on_inventory_reserved(session: Session, env: Envelope, *, outbox: Outbox) -> None:
    """PENDING → PROCESSING and `order.confirmed`; a reservation after cancel is left to inventory."""
    data: InventoryReserved = env.payload()
    repo, order = _locked(session, data.order_id)
    if order.holds_reservation_to_release:
        # order.cancelled was published when the order was cancelled; inventory releases any
        # reservation of an order it has seen cancelled, whichever of the two arrives first.
        log.warning("reservation for a cancelled order; inventory releases it",
                    extra={"order_id": order.id, "event_id": env.id})
        return
    _apply(session, outbox, repo, order, order.confirm_reservation(), env)


def on_inventory_rejected(session: Session, env: Envelope, *, outbox: Outbox) -> None:
    """PENDING → CANCELLED with the inventory's reason (e.g. insufficient_stock)."""
    data: InventoryRejected = env.payload()
    repo, order = _locked(session, data.order_id)
    _apply(session, outbox, repo, order, order.reject_reservation(data.reason), env)


def on_shipment_updated(session: Session, env: Envelope, *, outbox: Outbox) -> None:
    """SHIPPED / DELIVERED from shipping; PREPARING and CANCELLED do not move the order."""
    data: ShipmentUpdated = env.payload()
    if data.status not in SHIPMENT_STATUSES_THAT_MOVE_AN_ORDER:
        return
    repo, order = _locked(session, data.order_id)
    _apply(session, outbox, repo, order, order.record_shipment(data.status), env)
