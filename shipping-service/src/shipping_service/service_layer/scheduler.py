"""The thread that moves shipments along their schedule, which lives in the database."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime

from bookstore_shared import telemetry
from bookstore_shared.background import BackgroundLoop, CommitSignal
from bookstore_shared.context import correlation_id_var
from bookstore_shared.events import trace_context_of, utcnow

from ..domain.model import Shipment, Step, advance
from .handlers import updated
from .unit_of_work import ShippingUnitOfWork

SCHEDULE_CHANGED = "shipping_schedule_changed"
"""The commit-signal key of a transaction that scheduled a step (a new or a released shipment)."""


@contextmanager
def _saga(shipment: Shipment, status: str) -> Iterator[None]:
    """Events emitted inside carry the shipment's correlation id and go on in its trace: a
    scheduled step has no causing event, but it belongs to the saga of the order it ships."""
    token = correlation_id_var.set(shipment.correlation_id)
    tracer = telemetry.tracer("shipping")
    try:
        with tracer.start_as_current_span(
                f"advance shipment to {status}", context=trace_context_of(shipment.traceparent),
                attributes={"shipment.id": shipment.id, "order.id": shipment.order_id}) \
                if tracer and shipment.traceparent else nullcontext():
            yield
    finally:
        correlation_id_var.reset(token)


def advance_due_shipments(uow: ShippingUnitOfWork, *, now: datetime, limit: int = 100) -> int:
    """Move every due shipment one step (claimed rows only); returns how many moved."""
    due = uow.shipments.claim_due(now, limit)
    steps = [advance(shipment.status) for shipment in due]
    moving: dict[Step, list[int]] = {}  # shipments taking the same step move in one statement
    for shipment, step in zip(due, steps, strict=True):
        moving.setdefault(step, []).append(shipment.id)
    for step, shipment_ids in moving.items():
        uow.shipments.move(shipment_ids, step, now)
    for shipment, step in zip(due, steps, strict=True):
        with _saga(shipment, step.status.value):
            uow.emit(updated(shipment.id, shipment.order_id, step.status))
    return len(due)


class ShipmentScheduler:
    """Sleeps until the earliest due shipment (or a wake-up), then advances what is due.

    Replicas share the work through `FOR UPDATE SKIP LOCKED`; a restart resumes from the rows.
    `signal` is set after the commit of a transaction that scheduled a step (`create_shipment`,
    `ship_released_order`), so it is on the schedule at once.
    """

    def __init__(self, uow: Callable[[], ShippingUnitOfWork], *, signal: CommitSignal,
                 max_idle_s: float = 2.0, batch: int = 100):
        self._uow = uow
        self._max_idle = max_idle_s
        self._batch = batch
        self._signal = signal
        self._loop = BackgroundLoop("shipment-scheduler", self.run_once, signal=signal)

    @property
    def healthy(self) -> bool:
        """False while advancing shipments fails (database down)."""
        return self._loop.healthy

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def wake(self) -> None:
        """Re-read the schedule now."""
        self._signal.wake()

    def run_once(self) -> float:
        """Advance due shipments in one unit of work; returns how long to sleep before the next
        one is due."""
        with self._uow() as uow:
            moved = advance_due_shipments(uow, now=utcnow(), limit=self._batch)
            if moved >= self._batch:
                uow.commit()
                return 0.0
            # Read in the same transaction (it sees the moves just made): no second one per tick.
            due = uow.shipments.next_due_at()
            uow.commit()
        if due is None:
            return self._max_idle
        # Never spin: a due row another replica holds right now is skipped, not waited on.
        return min(self._max_idle, max(0.02, (due - utcnow()).total_seconds()))
