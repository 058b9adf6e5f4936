"""Handlers of shipping: each applies its effect and stages `shipment.updated` in the caller's
transaction (the consumer wrapper or the scheduler commits)."""
from __future__ import annotations

import logging
from datetime import datetime

from bookstore_shared.events import Envelope, utcnow
from bookstore_shared.events.contracts import OrderCancelled, OrderConfirmed, ShipmentUpdated
from bookstore_shared.outbox import Outbox
from sqlalchemy.orm import Session

from ..adapters import repository as repo
from ..domain.model import (
    CancelledAction,
    ConfirmedAction,
    ShipmentStatus,
    Step,
    Timings,
    advance,
    on_order_cancelled,
    on_order_confirmed,
    start,
)

log = logging.getLogger(__name__)
PRODUCER = "shipping"
# Set on a session whose commit changes the schedule: the scheduler is woken after that commit.
SCHEDULE_CHANGED = "shipping_schedule_changed"


def _updated(shipment_id: int, order_id: int, status: ShipmentStatus,
             cause: Envelope | None, correlation_id: str | None = None) -> Envelope:
    return Envelope.wrap(ShipmentUpdated(shipment_id=shipment_id, order_id=order_id,
                                         status=status.value), producer=PRODUCER, causation=cause,
                         correlation_id=correlation_id)


def _status(row) -> ShipmentStatus | None:
    return ShipmentStatus(row.status) if row else None


def create_shipment(session: Session, *, event: OrderConfirmed, cause: Envelope, outbox: Outbox,
                    timings: Timings) -> None:
    """A confirmed order gets one shipment, PREPARING until its ship time."""
    existing = repo.lock_by_order(session, event.order_id)
    if on_order_confirmed(_status(existing)) is ConfirmedAction.IGNORE:
        log.info("no new shipment", extra={"order_id": event.order_id,
                 "existing": existing.status, "tombstone": bool(existing.tombstone)})
        return
    now = utcnow()
    step = start(now, timings)
    shipment_id = repo.add(session, order_id=event.order_id, step=step, now=now,
                           correlation_id=cause.correlation_id)
    outbox.add(session, _updated(shipment_id, event.order_id, step.status, cause))
    session.info[SCHEDULE_CHANGED] = True


def cancel_shipment(session: Session, *, event: OrderCancelled, cause: Envelope, outbox: Outbox,
                    timings: Timings) -> None:
    """Cancel a shipment still PREPARING; with none yet, leave a tombstone for a late confirmation."""
    existing = repo.lock_by_order(session, event.order_id)
    action = on_order_cancelled(_status(existing))
    now = utcnow()
    cancelled = Step(ShipmentStatus.CANCELLED, None)
    if action is CancelledAction.TOMBSTONE:
        repo.add(session, order_id=event.order_id, step=cancelled, now=now, tombstone=True,
                 correlation_id=cause.correlation_id)
    elif action is CancelledAction.CANCEL:
        repo.move(session, existing.id, cancelled, now)
        outbox.add(session, _updated(existing.id, event.order_id, cancelled.status, cause))
    else:
        log.info("shipment not cancelled", extra={"order_id": event.order_id,
                                                   "status": existing.status})


def advance_due_shipments(session: Session, *, now: datetime, timings: Timings, outbox: Outbox,
                          limit: int = 100) -> int:
    """Move every due shipment one step (claimed rows only); returns how many moved."""
    rows = repo.claim_due(session, now, limit)
    for row in rows:
        step = advance(ShipmentStatus(row.status), repo.as_utc(row.next_step_at), timings)
        repo.move(session, row.id, step, now)
        # Scheduled steps have no causing event; they keep the saga's correlation id.
        outbox.add(session, _updated(row.id, row.order_id, step.status, None,
                                     row.correlation_id))
    return len(rows)
