"""The batched event path: deliveries the broker already sent, applied in one transaction.

Per batch: one inbox insert for every event id (a duplicate fails it), the unit of work's
`before_batch` (rows the handlers will read, read for all of them at once), the handlers, one
outbox insert, one COMMIT; the bus then acks the batch at once. A batch that fails is handed back one
delivery at a time by the bus (`BatchHandler`), so only a failing event is retried and, after
its last attempt, dead-lettered; a duplicate is then recognised alone and skipped.
"""
from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any

from opentelemetry import trace
from pydantic import ValidationError
from sqlalchemy import Table, insert
from sqlalchemy.exc import IntegrityError

from .. import telemetry
from ..bus import Bus
from ..bus.base import ConnectionHook
from ..context import correlation_id_var
from ..event_metrics import EventMetrics
from ..events import Envelope, tracing, utcnow
from ..runtime import ServiceRuntime
from .registry import Dispatcher, HandlerRegistry
from .unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)


class BatchedConsumer:
    """A bus handler (`BatchHandler`) applying each event id at most once for `consumer`."""

    def __init__(self, *, consumer: str, dispatcher: Dispatcher,
                 uow: Callable[[], SqlUnitOfWork], inbox: Table, batch_size: int,
                 metrics: EventMetrics | None = None, tracer: trace.Tracer | None = None):
        self.consumer = consumer
        self.batch_size = batch_size
        self.dispatcher = dispatcher
        self._uow = uow
        self._record = insert(inbox)  # built once, executed with new rows
        self._metrics = metrics
        self._tracer = tracer

    def __call__(self, envelope: Envelope) -> None:
        self.handle_batch([envelope])

    def handle_batch(self, envelopes: Sequence[Envelope]) -> None:
        # a copy in the same batch is dropped; an event no handler acts on needs no transaction
        unique = {env.id: env for env in envelopes}
        events, ignored = [], []
        for env in unique.values():
            (events if self.dispatcher.acts_on(env) else ignored).append(env)
        if events:
            with self._span(events):
                self._apply(events)
        # counted once the batch went through (a failed one is handed back one at a time)
        self._count(ignored, "ignored")
        if len(unique) < len(envelopes):
            kept = {id(env) for env in unique.values()}
            self._count([env for env in envelopes if id(env) not in kept], "duplicate")

    def _apply(self, events: list[Envelope]) -> None:
        now = utcnow()
        with self._uow() as uow:
            try:
                uow.session.execute(self._record, [
                    {"consumer": self.consumer, "event_id": env.id, "processed_at": now}
                    for env in events])
            except IntegrityError:
                if len(events) > 1:
                    raise  # one at a time, the bus finds which event was already applied
                log.info("duplicate event ignored", extra={"event_id": events[0].id,
                                                           "event_type": events[0].type})
                self._count(events, "duplicate")
                return
            if len(events) > 1:
                uow.before_batch(events)
            for env in events:
                uow.cause = env
                token = correlation_id_var.set(env.correlation_id)
                try:
                    # alone, the event's span is already current; in a batch each gets its own
                    with self._span([env]) if len(events) > 1 else nullcontext():
                        self.dispatcher.dispatch(env, uow)
                finally:
                    correlation_id_var.reset(token)
            uow.commit()
        self._count(events, "handled")

    def delivery_failed(self, routing_key: str, *, dead_lettered: bool) -> None:
        """The bus retried (or parked) a delivery this consumer failed."""
        if self._metrics is not None:
            self._metrics.consumed_one(routing_key, "dead_lettered" if dead_lettered else "retry")

    def _count(self, events: Sequence[Envelope], outcome: str) -> None:
        if self._metrics is not None:
            for env in events:
                self._metrics.consumed_one(env.type, outcome)

    def _span(self, events: Sequence[Envelope]):
        """One event: its span continues the trace it was emitted in. A batch: a span linked to
        each event's trace (its one transaction), each event then in a span of its own."""
        if self._tracer is None:
            return nullcontext()
        return tracing.consuming(self._tracer, events, consumer=self.consumer)


def consume(runtime: ServiceRuntime, handlers: HandlerRegistry, *,
            uow: Callable[[], SqlUnitOfWork], inbox: Table, queue: str | None = None,
            exclusive: bool = False, batch_size: int | None = None,
            **dependencies: Any) -> BatchedConsumer:
    """Subscribe the service's handlers: its queue bound to exactly their routing keys, batches
    of up to `batch_size` (default: the prefetch) applied in one transaction each."""
    name = runtime.settings.service_name
    consumer = BatchedConsumer(consumer=name, dispatcher=handlers.bind(**dependencies), uow=uow,
                               inbox=inbox, batch_size=batch_size or runtime.settings.prefetch,
                               metrics=runtime.metrics, tracer=telemetry.tracer(name))
    runtime.bus.subscribe(queue or name, handlers.routing_keys(), consumer, exclusive=exclusive)
    return consumer


def subscribe_in_memory(bus: Bus, handlers: HandlerRegistry, *, queue: str,
                        on_connection: ConnectionHook | None = None,
                        **dependencies: Any) -> Dispatcher:
    """Subscribe handlers that change only this process's memory (a cache, open sockets) to a
    queue of the process's own: exclusive, so every replica gets every event, and bound to
    exactly their routing keys. No unit of work, no inbox (no handler may name `uow`). An event
    that cannot be read is logged and dropped: memory has nothing to retry, and a redelivery
    would only arrive late. `on_connection` runs each time the queue is (re)declared, before
    its first delivery: what was published while it did not exist never reaches it."""
    wanting = [h.__name__ for h in handlers.handlers.values()
               if "uow" in inspect.signature(h).parameters]
    if wanting:
        raise TypeError(f"memory-only handlers run without a unit of work: {', '.join(wanting)}")
    dispatcher = handlers.bind(**dependencies)
    tracer = telemetry.tracer(queue.split(".")[0])  # the service the queue is named after

    def handle(envelope: Envelope) -> None:
        try:
            with tracing.consuming(tracer, [envelope], consumer=queue) if tracer \
                    else nullcontext():
                dispatcher.dispatch(envelope, None)
        except ValidationError as exc:
            log.error("unreadable event ignored", extra={"event_id": envelope.id,
                                                         "event_type": envelope.type,
                                                         "error": str(exc)})

    bus.subscribe(queue, handlers.routing_keys(), handle, exclusive=True,
                  on_connection=on_connection)
    return dispatcher
