"""Watching the event stream: filters and one-line rendering, shared by `bookstore tap` and the
gateway's admin event feed."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson

from .bus import topic_matches
from .events import Envelope, routing_key


@dataclass
class EventFilter:
    """Routing patterns, a correlation id, or one order's whole saga. A pattern takes the events
    whose type (`order.status_changed`, `shipment.*`) or routing key
    (`order.status_changed.SHIPPED`) it matches; a tap binds `events.bindings_for` each."""

    patterns: Sequence[str] = ("#",)
    correlation_id: str | None = None
    order_id: int | None = None
    _order_correlations: set[str] = field(default_factory=set)

    def accepts(self, env: Envelope) -> bool:
        key = routing_key(env)
        if not any(topic_matches(p, env.type) or topic_matches(p, key) for p in self.patterns):
            return False
        if self.correlation_id and env.correlation_id != self.correlation_id:
            return False
        if self.order_id is not None:
            if env.data.get("order_id") == self.order_id:
                # later events of the same saga without an order id (stock changes) share it
                self._order_correlations.add(env.correlation_id)
                return True
            return env.correlation_id in self._order_correlations and "order_id" not in env.data
        return True


def short_payload(data: dict, limit: int = 120) -> str:
    """The payload as compact JSON, cut to `limit` characters."""
    text = orjson.dumps(data).decode()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_line(env: Envelope) -> str:
    """`time  routing key  corr=…  trace=…  producer  payload` — one readable line per event
    (`trace=-` when the event was emitted outside a trace)."""
    when = env.occurred_at.strftime("%H:%M:%S.%f")[:-3]
    return (f"{when}  {env.type:<24} corr={env.correlation_id[:12]:<12} "
            f"trace={trace_id_of(env) or '-':<32} {env.producer:<12} {short_payload(env.data)}")


def trace_id_of(env: Envelope) -> str | None:
    """The trace id of the event's `traceparent` (version-traceid-spanid-flags), if it has one."""
    parts = (env.traceparent or "").split("-")
    return parts[1] if len(parts) == 4 and len(parts[1]) == 32 else None


def render_json(env: Envelope) -> str:
    """The whole envelope as one JSON line."""
    return orjson.dumps(env.model_dump(mode="json")).decode()
