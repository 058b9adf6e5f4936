"""A durable audit queue bound to every event: unlike an exclusive probe it survives a broker
`stop_app`/`start_app`, so every event of a run can be counted afterwards."""
from __future__ import annotations

import time
from collections import Counter

import pika
from bookstore_shared.events import Envelope


class AuditQueue:
    """`<instance>.tests` bound to `#` on the instance's exchange (deleted with the instance)."""

    def __init__(self, rabbitmq_url: str, instance: str):
        self.params = pika.URLParameters(rabbitmq_url)
        self.exchange, self.queue = f"{instance}.events", f"{instance}.tests"
        self.events: dict[str, Envelope] = {}
        self.deliveries = 0
        with pika.BlockingConnection(self.params) as conn:
            ch = conn.channel()
            ch.exchange_declare(self.exchange, exchange_type="topic", durable=True)
            ch.queue_declare(self.queue, durable=True)
            ch.queue_bind(self.queue, self.exchange, routing_key="#")

    def drain(self, quiet: float = 1.5, timeout: float = 60.0) -> None:
        """Read until nothing arrives for `quiet` seconds; keeps one envelope per event id."""
        deadline = time.monotonic() + timeout
        with pika.BlockingConnection(self.params) as conn:
            ch = conn.channel()
            last = time.monotonic()
            while time.monotonic() - last < quiet and time.monotonic() < deadline:
                method, _props, body = ch.basic_get(self.queue, auto_ack=True)
                if method is None:
                    time.sleep(0.05)
                    continue
                env = Envelope.from_bytes(body)
                self.deliveries += 1
                self.events[env.id] = env
                last = time.monotonic()

    def of_type(self, event_type: str) -> list[Envelope]:
        """Distinct events (by id) of one type."""
        return [e for e in self.events.values() if e.type == event_type]

    def per_order(self, event_type: str, *keys: str, orders: set[int]) -> Counter:
        """How many distinct events of a type there are per (order_id, *keys), for `orders`
        (other suites' orders may still be moving on the same system)."""
        return Counter((e.data["order_id"], *(e.data[k] for k in keys)) if keys
                       else e.data["order_id"] for e in self.of_type(event_type)
                       if e.data["order_id"] in orders)
