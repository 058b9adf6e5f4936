"""Spans of the event path: publishing an event and handling it, in the trace it was emitted in
(the envelope's `traceparent`)."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import trace

from .envelope import Envelope


@contextmanager
def consuming(tracer: trace.Tracer, events: Sequence[Envelope], *,
              consumer: str) -> Iterator[trace.Span]:
    """The span of handling events. One event: a child of the context it was emitted in, so the
    trace goes on across the bus. Several (one transaction): linked to each of theirs."""
    attributes = {"messaging.operation.type": "process",
                  "messaging.consumer.group.name": consumer}
    if len(events) == 1:
        env = events[0]
        with tracer.start_as_current_span(
                f"process {env.type}", context=env.trace_context(), kind=trace.SpanKind.CONSUMER,
                attributes={**attributes, **_event_attributes(env)}) as span:
            yield span
        return
    links = [trace.Link(context) for context in _span_contexts(events)]
    with tracer.start_as_current_span(
            f"process {len(events)} events", context=otel_context.Context(), links=links,
            kind=trace.SpanKind.CONSUMER,
            attributes={**attributes, "messaging.batch.message_count": len(events)}) as span:
        yield span


def published(tracer: trace.Tracer, envelopes: Sequence[Envelope]) -> list[trace.Span]:
    """Started spans for publishing these events, each in the trace the event was emitted in
    (the relay publishes them long after, on its own thread); the caller ends them."""
    return [tracer.start_span(f"publish {env.type}", context=env.trace_context(),
                              kind=trace.SpanKind.PRODUCER,
                              attributes={"messaging.operation.type": "send",
                                          **_event_attributes(env)})
            for env in envelopes]


def _event_attributes(env: Envelope) -> dict[str, str]:
    return {"messaging.destination.name": env.type, "messaging.message.id": env.id,
            "messaging.message.conversation_id": env.correlation_id}


def _span_contexts(events: Sequence[Envelope]) -> list[trace.SpanContext]:
    contexts = (trace.get_current_span(env.trace_context()).get_span_context() for env in events)
    return [c for c in contexts if c.is_valid]
