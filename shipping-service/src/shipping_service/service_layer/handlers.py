"""One handler per incoming event: each applies its effect in the unit of work it is given (the
consumer records the inbox rows and commits the batch) and emits `shipment.updated` for the
statuses that are news to others (domain/model.py says which)."""
from __future__ import annotations

import logging

from bookstore_shared.background import CommitSignal
from bookstore_shared.events import Envelope, utcnow
from bookstore_shared.events.contracts import (
    OrderCancelled,
    OrderConfirmed,
    OrderStatusChanged,
    ShipmentUpdated,
)

from ..domain.model import (
    CancelledAction,
    ConfirmedAction,
    ShipmentStatus,
    Step,
    Timings,
    on_order_cancelled,
    on_order_confirmed,
    release,
    start,
)
from .unit_of_work import ShippingUnitOfWork

log = logging.getLogger(__name__)


def updated(shipment_id: int, order_id: int, status: ShipmentStatus) -> ShipmentUpdated:
    """The one event shipping publishes: READY, DELIVERED or CANCELLED."""
    return ShipmentUpdated(shipment_id=shipment_id, order_id=order_id, status=status.value)


def create_shipment(event: OrderConfirmed, *, uow: ShippingUnitOfWork, envelope: Envelope,
                    timings: Timings, schedule: CommitSignal) -> None:
    """A confirmed order gets one shipment, PREPARING until its ship time (then READY, which is
    published); the scheduler is woken once it commits, so the new due time is on its schedule
    without waiting for its next poll."""
    existing = uow.shipments.lock_by_order(event.order_id)
    if on_order_confirmed(existing.status if existing else None) is ConfirmedAction.IGNORE:
        log.info("no new shipment", extra={"order_id": event.order_id,
                 "existing": existing.status.value, "tombstone": existing.tombstone})
        return
    now = utcnow()
    # The row keeps the saga's correlation id: the scheduler's later steps have no causing event.
    uow.shipments.add(order_id=event.order_id, step=start(now, timings), now=now,
                      correlation_id=envelope.correlation_id)
    uow.wake_after_commit(schedule)


def ship_released_order(event: OrderStatusChanged, *, uow: ShippingUnitOfWork,
                        timings: Timings, schedule: CommitSignal) -> None:
    """The order service shipped the order (the registry lets only SHIPPED through): its READY
    shipment leaves and is DELIVERED on schedule (published then; that it left, the order's
    SHIPPED already says). The order service moves an order to SHIPPED only on READY and never
    after a cancel, so anything else is a repeat or older history."""
    existing = uow.shipments.lock_by_order(event.order_id)
    now = utcnow()
    step = release(existing.status, now, timings) if existing else None
    if step is None:
        log.info("no shipment released", extra={
            "order_id": event.order_id, "status": existing.status.value if existing else None})
        return
    uow.shipments.move([existing.id], step, now)
    uow.wake_after_commit(schedule)


def cancel_shipment(event: OrderCancelled, *, uow: ShippingUnitOfWork,
                    envelope: Envelope) -> None:
    """Cancel a shipment that has not left (PREPARING or READY); with none yet, leave a
    tombstone for a late confirmation."""
    existing = uow.shipments.lock_by_order(event.order_id)
    action = on_order_cancelled(existing.status if existing else None)
    now = utcnow()
    cancelled = Step(ShipmentStatus.CANCELLED, None)
    if action is CancelledAction.TOMBSTONE:
        uow.shipments.add(order_id=event.order_id, step=cancelled, now=now, tombstone=True,
                          correlation_id=envelope.correlation_id)
    elif action is CancelledAction.CANCEL:
        uow.shipments.move([existing.id], cancelled, now)
        uow.emit(updated(existing.id, event.order_id, cancelled.status))
    else:
        log.info("shipment not cancelled", extra={"order_id": event.order_id,
                                                   "status": existing.status.value})
