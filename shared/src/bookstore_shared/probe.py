"""Watch and inject integration events on an instance's exchange (tests and operators).

`EventProbe` binds its own exclusive, auto-deleted queue, so it sees every matching event without
taking any from the services' queues.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Self

import pika
from pydantic import BaseModel

from .events import Envelope, bindings_for, routing_key


class EventProbe:
    """Records every event matching `patterns` published on `<instance>.events` from now on."""

    def __init__(self, rabbitmq_url: str, instance: str, patterns: Sequence[str] = ("#",)):
        self.exchange = f"{instance}.events"
        self._conn = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
        self._ch = self._conn.channel()
        self._ch.confirm_delivery()
        self._ch.exchange_declare(self.exchange, exchange_type="topic", durable=True)
        self._queue = self._ch.queue_declare("", exclusive=True, auto_delete=True).method.queue
        for pattern in patterns:  # an event type named exactly: all its routing keys too
            for binding in bindings_for(pattern):
                self._ch.queue_bind(self._queue, self.exchange, routing_key=binding)
        self.events: list[Envelope] = []

    def drain(self) -> int:
        """Move whatever has arrived into `events`; returns how many arrived."""
        count = 0
        while True:
            method, _props, body = self._ch.basic_get(self._queue, auto_ack=True)
            if method is None:
                return count
            self.events.append(Envelope.from_bytes(body))
            count += 1

    def of_type(self, event_type: str) -> list[Envelope]:
        """Events seen so far of this type."""
        return [e for e in self.events if e.type == event_type]

    def wait_until(self, condition: Callable[[EventProbe], bool], *,
                   timeout: float = 20.0) -> None:
        """Drain until `condition(self)` holds; AssertionError with a summary on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            self.drain()
            if condition(self):
                return
            if time.monotonic() > deadline:
                seen = {}
                for e in self.events:
                    seen[e.type] = seen.get(e.type, 0) + 1
                raise AssertionError(f"condition not met after {timeout}s; events seen: {seen}")
            time.sleep(0.02)

    def wait_for(self, event_type: str, count: int = 1, *, timeout: float = 20.0) -> list[Envelope]:
        """Wait until at least `count` events of `event_type` were seen; returns them all."""
        self.wait_until(lambda p: len(p.of_type(event_type)) >= count, timeout=timeout)
        return self.of_type(event_type)

    def settle(self, quiet: float = 1.0, *, timeout: float = 30.0) -> None:
        """Drain until nothing new arrives for `quiet` seconds (to prove nothing more comes)."""
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while time.monotonic() - last < quiet and time.monotonic() < deadline:
            if self.drain():
                last = time.monotonic()
            time.sleep(0.05)

    def publish(self, *payloads: BaseModel | Envelope, producer: str = "tests") -> list[Envelope]:
        """Publish events (payloads are wrapped) as persistent messages under their routing keys
        (as the services publish them); returns the envelopes."""
        envelopes = [p if isinstance(p, Envelope) else Envelope.wrap(p, producer=producer)
                     for p in payloads]
        for env in envelopes:
            props = pika.BasicProperties(
                content_type="application/json", delivery_mode=2, message_id=env.id,
                correlation_id=env.correlation_id, type=env.type, app_id=env.producer)
            self._ch.basic_publish(self.exchange, routing_key(env), env.to_bytes(), props)
        return envelopes

    def queue_depth(self, queue: str) -> tuple[int, int]:
        """(messages ready, consumers) of a broker queue by its full name."""
        ok = self._ch.queue_declare(queue, passive=True).method
        return ok.message_count, ok.consumer_count

    def close(self) -> None:
        if self._conn.is_open:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
