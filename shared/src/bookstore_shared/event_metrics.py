"""The event path's Prometheus metrics of one service (docs/OPERATIONS.md, "Metrics").

Counters are kept as events are consumed and published; the gauges report what the outbox
relay and the bus last sampled on their own threads (pika channels are not thread-safe, and a
scrape must answer at once even when the broker or the database is down). A sample older than
`STALE_AFTER_S` is left out rather than reported as if it were current.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .events import utcnow
from .metric_children import children

STALE_AFTER_S = 30.0
OUTCOMES = ("handled", "duplicate", "retry", "dead_lettered", "ignored")

QueueDepths = Callable[[], dict[str, tuple[int, float]]]
"""{queue: (messages waiting, time.monotonic() of the sample)} as the bus last saw them."""


class OutboxBacklog:
    """What the relay last counted: pending rows and the oldest one's creation time."""

    def __init__(self) -> None:
        self.pending = 0
        self.oldest: datetime | None = None
        self.sampled_at: float | None = None

    def record(self, pending: int, oldest: datetime | None) -> None:
        self.pending, self.oldest, self.sampled_at = pending, oldest, time.monotonic()

    def fresh(self) -> bool:
        return self.sampled_at is not None and time.monotonic() - self.sampled_at < STALE_AFTER_S


class EventMetrics(Collector):
    """`events_consumed_total`, `events_published_total`, `events_dead_lettered_total`,
    `outbox_pending_events`, `outbox_oldest_pending_seconds`, `queue_depth_messages`."""

    def __init__(self, service: str, *, queue_depths: QueueDepths | None = None,
                 backlog: OutboxBacklog | None = None):
        self.service = service
        self.consumed = Counter("events_consumed_total", "Events taken from the service's queues",
                                ["routing_key", "outcome"], registry=None)
        self.published = Counter("events_published_total", "Events published by the outbox relay",
                                 ["routing_key"], registry=None)
        self.dead_lettered = Counter("events_dead_lettered_total",
                                     "Events parked after their last failed attempt",
                                     ["routing_key"], registry=None)
        self.consumed_as = children(self.consumed)
        self.published_as = children(self.published)
        self.dead_lettered_as = children(self.dead_lettered)
        self.backlog = backlog
        self._queue_depths = queue_depths

    def consumed_one(self, routing_key: str, outcome: str) -> None:
        self.consumed_as(routing_key, outcome).inc()
        if outcome == "dead_lettered":
            self.dead_lettered_as(routing_key).inc()

    def owns_queue(self, queue: str) -> bool:
        """A service's queues are named after it: `order`, `catalog.replica`, `notification.ws`."""
        return queue == self.service or queue.startswith(self.service + ".")

    def collect(self) -> Iterator:
        yield from self.consumed.collect()
        yield from self.published.collect()
        yield from self.dead_lettered.collect()
        if self.backlog is not None and self.backlog.fresh():
            yield GaugeMetricFamily("outbox_pending_events", "Outbox rows not yet published",
                                    value=self.backlog.pending)
            oldest = self.backlog.oldest
            age = max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0
            yield GaugeMetricFamily("outbox_oldest_pending_seconds",
                                    "Age of the oldest outbox row not yet published", value=age)
        if self._queue_depths is not None:
            depth = GaugeMetricFamily("queue_depth_messages",
                                      "Messages waiting in the service's own queues",
                                      labels=["queue"])
            now = time.monotonic()
            for queue, (count, sampled_at) in sorted(self._queue_depths().items()):
                if self.owns_queue(queue) and now - sampled_at < STALE_AFTER_S:
                    depth.add_metric([queue], count)
            yield depth
