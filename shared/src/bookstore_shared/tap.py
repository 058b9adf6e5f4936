"""`bookstore tap`: a temporary exclusive queue on the events exchange, printed as it flows."""
from __future__ import annotations

import time
from collections.abc import Callable

import pika

from .eventfeed import EventFilter, render_json, render_line
from .events import Envelope, bindings_for


def tap(url: str, exchange: str, event_filter: EventFilter, *, as_json: bool = False,
        emit: Callable[[str], None] = print, max_events: int | None = None,
        timeout_s: float | None = None, on_ready: Callable[[], None] | None = None) -> int:
    """Print matching events until interrupted, `max_events` printed, or `timeout_s` elapsed."""
    conn = pika.BlockingConnection(pika.URLParameters(url))
    printed = 0
    try:
        ch = conn.channel()
        ch.exchange_declare(exchange, exchange_type="topic", durable=True)
        queue = ch.queue_declare("", exclusive=True, auto_delete=True).method.queue
        for pattern in event_filter.patterns:  # `shipment.*` takes shipment.updated.<status> too
            for binding in bindings_for(pattern):
                ch.queue_bind(queue, exchange, routing_key=binding)
        if on_ready:
            on_ready()
        deadline = time.monotonic() + timeout_s if timeout_s else None
        for method, _props, body in ch.consume(queue, auto_ack=True, inactivity_timeout=0.2):
            if deadline and time.monotonic() > deadline:
                break
            if method is None:
                continue
            try:
                env = Envelope.from_bytes(body)
            except ValueError:
                emit(f"(unreadable message on {method.routing_key}: {len(body)} bytes)")
                continue
            if event_filter.accepts(env):
                emit(render_json(env) if as_json else render_line(env))
                printed += 1
                if max_events and printed >= max_events:
                    break
    except KeyboardInterrupt:
        pass
    finally:
        if conn.is_open:
            conn.close()
    return printed
