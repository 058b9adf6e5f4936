"""The event log of a soak: a durable queue bound to every event of the instance, read all along
by a consumer that reconnects after broker faults (the chaos never closes its connection on
purpose, but a broker restart does)."""
from __future__ import annotations

import threading
import time
from collections import Counter

import pika
from bookstore_shared.events import Envelope


class EventLog:
    """`<instance>.soak` bound to `#`; `events` keeps one envelope per event id."""

    def __init__(self, rabbitmq_url: str, instance: str):
        self.params = pika.URLParameters(rabbitmq_url)
        self.exchange, self.queue = f"{instance}.events", f"{instance}.soak"
        self.events: dict[str, Envelope] = {}
        self.deliveries = 0
        self.reconnects = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        with pika.BlockingConnection(self.params) as conn:
            ch = conn.channel()
            ch.exchange_declare(self.exchange, exchange_type="topic", durable=True)
            ch.queue_declare(self.queue, durable=True)
            ch.queue_bind(self.queue, self.exchange, routing_key="#")

    def start(self) -> EventLog:
        self._thread = threading.Thread(target=self._run, name="event-log", daemon=True)
        self._thread.start()
        return self

    def stop(self, quiet: float = 2.0, timeout: float = 60.0) -> None:
        """Read until nothing arrived for `quiet` seconds, then stop."""
        deadline = time.monotonic() + timeout
        last = self.deliveries
        while time.monotonic() < deadline:
            time.sleep(quiet)
            if self.deliveries == last:
                break
            last = self.deliveries
        self._stop.set()
        if self._thread:
            self._thread.join(15)

    def close(self) -> None:
        """Stop reading and delete the queue."""
        self._stop.set()
        if self._thread:
            self._thread.join(15)
        try:
            with pika.BlockingConnection(self.params) as conn:
                conn.channel().queue_delete(self.queue)
        except pika.exceptions.AMQPError:
            pass  # named after the instance: dropped with it

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with pika.BlockingConnection(self.params) as conn:
                    ch = conn.channel()
                    ch.basic_qos(prefetch_count=500)
                    for method, _props, body in ch.consume(self.queue, inactivity_timeout=0.5):
                        if self._stop.is_set():
                            break
                        if method is None:
                            continue
                        env = Envelope.from_bytes(body)
                        self.deliveries += 1
                        self.events[env.id] = env
                        ch.basic_ack(method.delivery_tag)
                    ch.cancel()
            except pika.exceptions.AMQPError:
                self.reconnects += 1
                time.sleep(1.0)

    def per_order(self, event_type: str, *keys: str) -> Counter:
        """Distinct events of a type per (order_id, *keys)."""
        return Counter((e.data["order_id"], *(e.data[k] for k in keys))
                       for e in self.events.values() if e.type == event_type)
