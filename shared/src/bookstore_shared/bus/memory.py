"""In-process bus with the RabbitMQ bus's topic, retry and dead-letter semantics (standalone mode)."""
from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ..events import Envelope, routing_key
from .base import (
    ConnectionHook,
    DeadLetter,
    Handler,
    Subscription,
    batch_size_of,
    is_transient,
    report_failure,
    topic_matches,
)

log = logging.getLogger(__name__)


@dataclass
class _Delivery:
    envelope: Envelope
    attempts: int = 0


class _Queue:
    """One named queue: bindings, pending deliveries, and the threads consuming it."""

    def __init__(self, name: str, patterns: Sequence[str], logical: str):
        self.name = name
        self.logical = logical  # without the per-subscription suffix of an exclusive queue
        self.patterns = tuple(patterns)
        self.pending: queue.Queue[_Delivery | None] = queue.Queue()
        self.handlers: list[Handler] = []

    def binds(self, routing_key: str) -> bool:
        return any(topic_matches(p, routing_key) for p in self.patterns)


class InProcessBus:
    """Queues live in memory; each queue has one worker thread per registered handler."""

    def __init__(self, *, retry_delays_ms: Sequence[int] = (100, 500, 2000)):
        self._queues: dict[str, _Queue] = {}
        self._exclusive_ids = itertools.count(1)
        self._delays = list(retry_delays_ms)
        self._threads: list[threading.Thread] = []
        self._timers: set[threading.Timer] = set()
        self._lock = threading.Lock()
        self._running = False
        self._dead: dict[str, list[DeadLetter]] = {}

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Deliver to every bound queue (in memory, so "confirmed" once enqueued)."""
        with self._lock:
            targets = list(self._queues.values())
        for env in envelopes:
            key = routing_key(env)  # as RabbitMQ routes it: `<type>.<status>` for a keyed event
            for q in targets:
                if q.binds(key):
                    q.pending.put(_Delivery(env))

    def subscribe(self, queue: str, patterns: Sequence[str], handler: Handler, *,
                  exclusive: bool = False, on_connection: ConnectionHook | None = None) -> None:
        """Register a handler; handlers of the same queue compete, different queues fan out."""
        name = f"{queue}.{next(self._exclusive_ids)}" if exclusive else queue
        with self._lock:
            q = self._queues.setdefault(name, _Queue(name, patterns, queue))
            q.patterns = tuple(sorted(set(q.patterns) | set(patterns)))
            q.handlers.append(handler)
            if self._running:
                self._spawn(q, handler)
        if on_connection is not None:  # the queue holds whatever is published from now on
            on_connection(True)

    def start(self) -> None:
        with self._lock:
            if self._running:
                return
            self._running = True
            for q in self._queues.values():
                for handler in q.handlers:
                    self._spawn(q, handler)

    def stop(self) -> None:
        with self._lock:
            self._running = False
            for timer in self._timers:
                timer.cancel()
            for q in self._queues.values():
                for _ in q.handlers:
                    q.pending.put(None)
        for t in self._threads:
            t.join(timeout=5)
        self._threads.clear()

    def is_healthy(self) -> bool:
        return True

    def queue_depths(self) -> dict[str, tuple[int, float]]:
        """Deliveries waiting in each queue (exclusive copies of one queue added up), now."""
        now, depths = time.monotonic(), {}
        with self._lock:
            for q in self._queues.values():
                depths[q.logical] = (depths.get(q.logical, (0, now))[0] + q.pending.qsize(), now)
        return depths

    def subscriptions(self) -> list[Subscription]:
        """What is bound, for introspection and tests."""
        return [Subscription(q.name, q.patterns, h) for q in self._queues.values()
                for h in q.handlers]

    def _spawn(self, q: _Queue, handler: Handler) -> None:
        t = threading.Thread(target=self._work, args=(q, handler), daemon=True,
                             name=f"bus-{q.name}")
        self._threads.append(t)
        t.start()

    def _work(self, q: _Queue, handler: Handler) -> None:
        size = batch_size_of(handler)
        stopped = False
        while not stopped:
            batch, stopped = _take(q.pending, size)
            if len(batch) > 1:
                try:
                    handler.handle_batch([d.envelope for d in batch])
                    continue
                except Exception:  # noqa: BLE001 - one at a time finds the failing delivery
                    log.info("batch failed, handling its events one at a time",
                             extra={"queue": q.name, "batch": len(batch)})
            for delivery in batch:
                try:
                    handler(delivery.envelope)
                except Exception as exc:  # noqa: BLE001 - every failure is retried, then parked
                    self._failed(q, handler, delivery, exc)

    def _failed(self, q: _Queue, handler: Handler, delivery: _Delivery,
                exc: Exception) -> None:
        transient = is_transient(exc)
        delivery.attempts += 1
        reason = f"{type(exc).__name__}: {exc}"
        if not transient and delivery.attempts > len(self._delays):
            log.error("event dead-lettered", extra={"queue": q.name, "event_id":
                      delivery.envelope.id, "reason": reason})
            with self._lock:
                self._dead.setdefault(q.name, []).append(DeadLetter(
                    delivery.envelope, delivery.envelope.type, reason, delivery.attempts,
                    dead_lettered_at=datetime.now(UTC)))
            report_failure(handler, delivery.envelope.type, dead_lettered=True)
            return
        log.warning("event failed, will retry", extra={"queue": q.name, "reason": reason,
                    "attempt": delivery.attempts})
        report_failure(handler, delivery.envelope.type, dead_lettered=False)
        delay = self._delays[min(delivery.attempts, len(self._delays)) - 1] / 1000

        def _requeue() -> None:
            with self._lock:
                self._timers.discard(timer)
                if self._running:
                    q.pending.put(delivery)

        timer = threading.Timer(delay, _requeue)
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()

    def dead_letters(self, queue: str, *, limit: int = 100) -> list[DeadLetter]:
        """Parked messages of a queue, oldest first."""
        with self._lock:
            return list(self._dead.get(queue, [])[:limit])

    def dead_letter_counts(self, queues: Sequence[str]) -> dict[str, int]:
        """How many messages each queue has parked (queues nothing ever consumed left out)."""
        with self._lock:
            return {q: len(self._dead.get(q, [])) for q in queues
                    if q in self._queues or q in self._dead}

    def purge_dead_letters(self, queue: str) -> int:
        """Drop parked messages; returns how many."""
        with self._lock:
            return len(self._dead.pop(queue, []))

    def replay_dead_letters(self, queue: str, ids: Collection[str] | None = None) -> int:
        """Put parked messages (all, or those with these ids) back on their queue; how many."""
        with self._lock:
            letters = self._dead.pop(queue, [])
            chosen = [x for x in letters if ids is None or x.id in ids]
            kept = [x for x in letters if not (ids is None or x.id in ids)]
            if kept:
                self._dead[queue] = kept
            target = self._queues.get(queue)
        if target is None:  # nothing consumes it any more: the letters stay parked
            with self._lock:
                self._dead[queue] = letters
            return 0
        for letter in chosen:
            target.pending.put(_Delivery(letter.envelope))
        return len(chosen)


def _take(pending: queue.Queue[_Delivery | None], size: int) -> tuple[list[_Delivery], bool]:
    """The next delivery (waiting for it) and those already queued behind it, up to `size`;
    True once the stop marker was taken."""
    first = pending.get()
    if first is None:
        return [], True
    batch = [first]
    while len(batch) < size:
        try:
            delivery = pending.get_nowait()
        except queue.Empty:
            break
        if delivery is None:
            return batch, True
        batch.append(delivery)
    return batch, False
