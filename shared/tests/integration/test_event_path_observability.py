"""The kit's spans and metrics on a real event path (in-process bus, SQLite): an event is consumed
in the trace it was emitted in, what its handler emits goes on in that trace through the outbox,
and every outcome is counted."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from bookstore_shared import telemetry
from bookstore_shared.db import new_metadata
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    NotificationBroadcast,
    ShipmentUpdated,
    UserRegistered,
)
from bookstore_shared.inbox import inbox_table
from bookstore_shared.kit import HandlerRegistry, Only, SqlUnitOfWork, consume
from bookstore_shared.outbox import outbox_table
from bookstore_shared.runtime import ServiceRuntime
from bookstore_shared.settings import BaseServiceSettings
from bookstore_testing import wait_for
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

metadata = new_metadata()
OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)
SERVICE = "observed"
POISON = "poison"


def welcome(event: UserRegistered, *, uow: SqlUnitOfWork) -> None:
    if event.username == POISON:
        raise ValueError("this event can never be applied")
    uow.emit(NotificationBroadcast(message=f"welcome {event.username}"))


def note_ready(event: ShipmentUpdated, *, uow: SqlUnitOfWork) -> None:
    pass


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    telemetry.use_provider(SERVICE, provider)
    yield spans
    telemetry.use_provider(SERVICE, None)
    provider.shutdown()


@pytest.fixture
def runtime(tmp_path, exporter) -> Iterator[ServiceRuntime]:
    settings = BaseServiceSettings(service_name=SERVICE, retry_delays_ms="20",
                                   database_url=f"sqlite:///{tmp_path / 'observed.sqlite'}")
    rt = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX, migrations_dir=None)
    rt.prepare_database()
    metadata.create_all(rt.engine)
    handlers = HandlerRegistry({UserRegistered: welcome,
                                ShipmentUpdated: Only(note_ready, "READY")})
    rt.consumer = consume(rt, handlers, inbox=INBOX,  # the test hands it a delivery by hand
                          uow=lambda: SqlUnitOfWork(rt.sessions, rt.outbox, producer=SERVICE))
    rt.start()
    yield rt
    rt.stop()


def registered(name: str) -> Envelope:
    return Envelope.wrap(UserRegistered(user_id=1, username=name, email="a@x.io"),
                         producer="tests")


def metrics_of(rt: ServiceRuntime) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(rt.metrics)
    return registry


def span_named(exporter: InMemorySpanExporter, name: str):
    found = [s for s in exporter.get_finished_spans() if s.name == name]
    return found[0] if found else None


def test_an_event_is_consumed_and_its_effects_published_in_the_producers_trace(runtime, exporter):
    producer = trace.get_tracer("tests", tracer_provider=telemetry.provider(SERVICE))
    with producer.start_as_current_span("register user") as root:
        event = registered("ann")
    runtime.bus.publish([event])

    wait_for(lambda: span_named(exporter, "publish notification.broadcast"),
             what="the handler's event published")
    consumed = span_named(exporter, "process user.registered")
    published = span_named(exporter, "publish notification.broadcast")
    trace_id = root.get_span_context().trace_id
    assert consumed.parent.span_id == root.get_span_context().span_id
    assert consumed.context.trace_id == trace_id
    # the relay publishes on its own thread, later, yet in the trace of the handler that emitted
    assert published.context.trace_id == trace_id
    assert published.parent.span_id == consumed.context.span_id
    assert published.kind is trace.SpanKind.PRODUCER


def test_every_outcome_of_consuming_and_publishing_is_counted(runtime):
    registry = metrics_of(runtime)

    def consumed(outcome: str, routing_key: str = "user.registered") -> float:
        return registry.get_sample_value(
            "events_consumed_total", {"routing_key": routing_key, "outcome": outcome}) or 0

    runtime.bus.publish([registered("ann"), registered(POISON)])
    wait_for(lambda: consumed("dead_lettered") == 1, what="the poison event parked")
    assert (consumed("handled"), consumed("retry")) == (1, 1)
    # The queue is bound to shipment.updated.READY: a PREPARING reaches it only by hand (a
    # replay, an older producer's bare key), and is acked untouched.
    runtime.consumer(Envelope.wrap(ShipmentUpdated(shipment_id=1, order_id=1,
                                                   status="PREPARING"), producer="tests"))
    assert consumed("ignored", "shipment.updated") == 1
    assert registry.get_sample_value("events_dead_lettered_total",
                                     {"routing_key": "user.registered"}) == 1
    wait_for(lambda: registry.get_sample_value(
        "events_published_total", {"routing_key": "notification.broadcast"}) == 1,
        what="the welcome broadcast published")

    first = registered("bob")
    runtime.bus.publish([first])
    wait_for(lambda: consumed("handled") == 2, what="bob welcomed")
    runtime.bus.publish([first.model_copy()])  # delivered again: the inbox knows it
    wait_for(lambda: consumed("duplicate") == 1, what="the copy recognised")
    assert consumed("handled") == 2

    carol = registered("carol")  # two copies at once: in one batch or two, one is a duplicate
    runtime.bus.publish([carol, carol.model_copy()])
    wait_for(lambda: consumed("handled") + consumed("duplicate") == 5, what="both copies taken")
    assert (consumed("handled"), consumed("duplicate")) == (3, 2)


def test_the_outbox_backlog_and_the_queue_depth_are_reported(runtime):
    registry = metrics_of(runtime)
    runtime.relay.stop()  # nothing leaves the outbox from now on
    with SqlUnitOfWork(runtime.sessions, runtime.outbox, producer=SERVICE) as uow:
        uow.emit(NotificationBroadcast(message="one"), NotificationBroadcast(message="two"))
        uow.commit()
    runtime.relay.sample_backlog()
    assert registry.get_sample_value("outbox_pending_events") == 2
    assert registry.get_sample_value("outbox_oldest_pending_seconds") >= 0
    assert registry.get_sample_value("queue_depth_messages", {"queue": SERVICE}) == 0


def test_a_stale_backlog_sample_is_left_out_rather_than_reported_as_current(runtime, monkeypatch):
    registry = metrics_of(runtime)
    runtime.relay.sample_backlog()
    assert registry.get_sample_value("outbox_pending_events") is not None
    monkeypatch.setattr(runtime.relay.backlog, "sampled_at", runtime.relay.backlog.sampled_at - 60)
    assert registry.get_sample_value("outbox_pending_events") is None
