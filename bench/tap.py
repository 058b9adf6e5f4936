"""Record every event on the instance's exchange with its arrival time (a consumer thread)."""
from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Self

import orjson
import pika


class Tap:
    """An exclusive queue bound to `#`; `events` holds (arrival wall time, envelope dict)."""

    def __init__(self, rabbitmq_url: str, instance: str):
        self._params = pika.URLParameters(rabbitmq_url)
        self._exchange = f"{instance}.events"
        self.events: list[tuple[float, dict]] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="bench-tap")

    def __enter__(self) -> Self:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        conn = pika.BlockingConnection(self._params)
        ch = conn.channel()
        ch.exchange_declare(self._exchange, exchange_type="topic", durable=True)
        queue = ch.queue_declare("", exclusive=True, auto_delete=True).method.queue
        ch.queue_bind(queue, self._exchange, routing_key="#")
        ch.basic_qos(prefetch_count=1000)

        def on_message(_ch, _method, _props, body):
            self.events.append((time.time(), body))

        ch.basic_consume(queue, on_message, auto_ack=True)
        self._ready.set()
        while not self._stop.is_set():
            conn.process_data_events(time_limit=0.1)
        conn.close()

    def take(self) -> list[tuple[float, dict]]:
        """Parse and remove what has arrived so far."""
        raw, self.events = self.events, []
        out = []
        for arrived, body in raw:
            env = orjson.loads(body)
            env["t"] = datetime.fromisoformat(env["occurred_at"]).timestamp()
            out.append((arrived, env))
        return out
