"""Tracing: the trace context travels in the envelope, consumers continue it, log lines name it,
and with no OTLP endpoint nothing is set up at all."""
from __future__ import annotations

import logging

import orjson
import pytest
from bookstore_shared import telemetry
from bookstore_shared.events import Envelope, tracing
from bookstore_shared.events.contracts import UserRegistered
from bookstore_shared.logs import JsonFormatter
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

OTEL_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                  "OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_SERVICE_NAME",
                  "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")


@pytest.fixture
def spans():
    """An in-memory exporter behind a provider of its own (the global one is never touched)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider.get_tracer("tests"), exporter
    provider.shutdown()


@pytest.fixture
def no_otel_env(monkeypatch):
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def registered() -> Envelope:
    return Envelope.wrap(UserRegistered(user_id=1, username="ann", email="a@x.io"),
                         producer="auth")


def test_an_event_emitted_in_a_span_carries_its_traceparent_through_the_wire(spans):
    tracer, _ = spans
    with tracer.start_as_current_span("register") as span:
        sent = registered()
    received = Envelope.from_bytes(sent.to_bytes())
    context = span.get_span_context()
    assert received.traceparent.startswith(f"00-{trace.format_trace_id(context.trace_id)}-"
                                           f"{trace.format_span_id(context.span_id)}-")
    parent = trace.get_current_span(received.trace_context()).get_span_context()
    assert (parent.trace_id, parent.span_id) == (context.trace_id, context.span_id)


def test_an_event_emitted_outside_a_trace_has_no_trace_fields_and_old_envelopes_still_parse():
    env = registered()
    assert env.traceparent is None and "traceparent" not in orjson.loads(env.to_bytes())
    old = orjson.loads(env.to_bytes())  # as a producer without tracing wrote it
    assert Envelope.from_bytes(orjson.dumps(old)).traceparent is None


def test_the_consumer_span_is_a_child_of_the_producer_and_what_it_emits_continues_the_trace(
        spans):
    tracer, exporter = spans
    with tracer.start_as_current_span("place order"):
        cause = Envelope.from_bytes(registered().to_bytes())
    with tracing.consuming(tracer, [cause], consumer="notification"):
        effect = registered()
    producer, consumer = exporter.get_finished_spans()
    assert consumer.name == "process user.registered"
    assert consumer.kind is trace.SpanKind.CONSUMER
    assert consumer.parent.span_id == producer.context.span_id
    assert consumer.context.trace_id == producer.context.trace_id
    assert effect.traceparent.split("-")[1:3] == [trace.format_trace_id(producer.context.trace_id),
                                                  trace.format_span_id(consumer.context.span_id)]


def test_a_batch_span_links_to_every_events_trace(spans):
    tracer, exporter = spans
    envelopes = []
    for name in ("one", "two"):
        with tracer.start_as_current_span(name):
            envelopes.append(registered())
    with tracing.consuming(tracer, envelopes, consumer="notification"):
        pass
    *producers, batch = exporter.get_finished_spans()
    assert batch.parent is None
    assert {link.context.span_id for link in batch.links} == \
        {span.context.span_id for span in producers}


def test_without_an_endpoint_there_is_no_provider_and_nothing_is_instrumented(no_otel_env):
    assert not telemetry.tracing_enabled()
    assert telemetry.provider("untraced-service") is None
    assert telemetry.tracer("untraced-service") is None
    app = FastAPI()
    telemetry.instrument_app(app, "untraced-service")
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)
    assert telemetry.aiohttp_trace_configs("untraced-service") == []
    marker = object()
    assert telemetry.traced_asgi(marker, "untraced-service") is marker


def test_with_an_endpoint_each_service_gets_a_provider_named_after_it(no_otel_env, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "bookstore")
    monkeypatch.setattr(telemetry, "_shared_process", True)  # standalone: seven in one process
    made = [telemetry.provider(name) for name in ("traced-order", "traced-inventory")]
    try:
        assert [p.resource.attributes["service.name"] for p in made] == \
            ["traced-order", "traced-inventory"]
    finally:
        for name, provider in zip(("traced-order", "traced-inventory"), made, strict=True):
            telemetry.use_provider(name, None)
            provider.shutdown()


def test_an_unsupported_export_protocol_stops_the_service_with_a_clear_reason(no_otel_env,
                                                                              monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    with pytest.raises(ValueError, match="http/protobuf"):
        telemetry.provider("grpc-service")


def test_log_lines_carry_the_trace_and_span_ids_while_a_span_is_active(spans):
    tracer, _ = spans
    formatter = JsonFormatter("order")

    def line() -> dict:
        return orjson.loads(formatter.format(logging.makeLogRecord({"msg": "hello"})))

    assert "trace_id" not in line()
    with tracer.start_as_current_span("request") as span:
        inside = line()
    assert inside["trace_id"] == trace.format_trace_id(span.get_span_context().trace_id)
    assert inside["span_id"] == trace.format_span_id(span.get_span_context().span_id)
