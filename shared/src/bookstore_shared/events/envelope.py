"""The envelope every integration event travels in (ARCHITECTURE.md, "Events")."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pydantic import BaseModel, ConfigDict, Field

from ..context import correlation_id_var

_W3C = TraceContextTextMapPropagator()


def utcnow() -> datetime:
    """Timezone-aware current UTC time."""
    return datetime.now(UTC)


class Envelope(BaseModel):
    """`id`, `type`, `version`, `occurred_at`, `producer`, `correlation_id`, `causation_id`, `data`;
    `traceparent` (and `tracestate`): the W3C trace context the event was emitted in, if any."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    version: int = 1
    occurred_at: datetime = Field(default_factory=utcnow)
    producer: str
    correlation_id: str
    causation_id: str | None = None
    data: dict[str, Any]
    traceparent: str | None = None
    tracestate: str | None = None

    @classmethod
    def wrap(cls, payload: BaseModel, *, producer: str, causation: Envelope | None = None,
             correlation_id: str | None = None) -> Envelope:
        """Wrap a typed payload; the correlation id follows the causing event or the request."""
        from .contracts import event_type_of

        event_type, version = event_type_of(payload)
        corr = (correlation_id or (causation.correlation_id if causation else None)
                or correlation_id_var.get() or str(uuid.uuid4()))
        return cls(type=event_type, version=version, producer=producer, correlation_id=corr,
                   causation_id=causation.id if causation else None,
                   data=payload.model_dump(mode="json"), **current_trace_context())

    def payload(self) -> BaseModel:
        """The typed, validated payload (unknown fields ignored)."""
        from .contracts import payload_model

        return payload_model(self.type, self.version).model_validate(self.data)

    def trace_context(self) -> otel_context.Context:
        """The context the event was emitted in: its consumer's span continues that trace."""
        return trace_context_of(self.traceparent, self.tracestate)

    def to_bytes(self) -> bytes:
        """Compact JSON (the trace fields only when set)."""
        unset = {name for name in _TRACE_FIELDS if getattr(self, name) is None}
        return orjson.dumps(self.model_dump(mode="json", exclude=unset))

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        """Parse and validate an envelope; raises ValueError on anything malformed."""
        return cls.model_validate(orjson.loads(body))


_TRACE_FIELDS = ("traceparent", "tracestate")


def current_trace_context() -> dict[str, str]:
    """`traceparent` (and `tracestate`) of the current span; empty when nothing is traced."""
    if not trace.get_current_span().get_span_context().is_valid:
        return {}  # no span (tracing off): nothing to carry, and nothing spent finding that out
    carrier: dict[str, str] = {}
    _W3C.inject(carrier)
    return carrier


def trace_context_of(traceparent: str | None, tracestate: str | None = None) -> otel_context.Context:
    """The context a stored `traceparent` names (an empty one without it)."""
    carrier = {"traceparent": traceparent} if traceparent else {}
    if traceparent and tracestate:
        carrier["tracestate"] = tracestate
    return _W3C.extract(carrier)
