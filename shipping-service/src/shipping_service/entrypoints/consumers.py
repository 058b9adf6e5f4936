"""Incoming events -> handlers (typed payloads validated on receipt)."""
from __future__ import annotations

from bookstore_shared.events import Envelope
from bookstore_shared.runtime import ServiceRuntime
from sqlalchemy.orm import Session

from ..domain.model import Timings
from ..service_layer import handlers

ROUTES = {
    "order.confirmed": handlers.create_shipment,
    "order.cancelled": handlers.cancel_shipment,
}


def register(runtime: ServiceRuntime, timings: Timings) -> None:
    """Consume the order saga's confirmations and cancellations on the shipping queue."""
    outbox = runtime.outbox

    def dispatch(session: Session, env: Envelope) -> None:
        handler = ROUTES.get(env.type)
        if handler is not None:
            handler(session, event=env.payload(), cause=env, outbox=outbox, timings=timings)

    runtime.consume(list(ROUTES), dispatch)
