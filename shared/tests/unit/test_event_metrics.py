"""The event metrics a scrape reads: a service's own queues only, stale samples left out, and
the in-process bus's backlog as it stands."""
from __future__ import annotations

import time

from bookstore_shared.bus import InProcessBus
from bookstore_shared.event_metrics import STALE_AFTER_S, EventMetrics
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import UserRegistered
from prometheus_client import CollectorRegistry


def scraped(metrics: EventMetrics) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(metrics)
    return registry


def test_only_the_services_own_queues_with_a_recent_count_are_reported():
    now = time.monotonic()
    depths = {"order": (3, now), "order.replica": (1, now), "orderly": (9, now),
              "inventory": (5, now), "order.stale": (7, now - STALE_AFTER_S - 1)}
    registry = scraped(EventMetrics("order", queue_depths=lambda: depths))
    reported = {sample.labels["queue"]: sample.value for family in registry.collect()
                for sample in family.samples if sample.name == "queue_depth_messages"}
    assert reported == {"order": 3, "order.replica": 1}


def test_a_dead_letter_counts_as_a_consumed_outcome_and_as_a_dead_letter():
    metrics = EventMetrics("order")
    metrics.consumed_one("inventory.reserved", "dead_lettered")
    metrics.consumed_one("inventory.reserved", "handled")
    registry = scraped(metrics)
    assert registry.get_sample_value("events_consumed_total", {
        "routing_key": "inventory.reserved", "outcome": "dead_lettered"}) == 1
    assert registry.get_sample_value("events_dead_lettered_total",
                                     {"routing_key": "inventory.reserved"}) == 1
    # no relay sampled a backlog: the outbox gauges are absent, not zero
    assert registry.get_sample_value("outbox_pending_events") is None


def test_the_in_process_bus_reports_what_waits_in_each_queue_exclusive_copies_added_up():
    bus = InProcessBus()  # not started: what is published waits
    bus.subscribe("notification", ["user.registered"], lambda env: None)
    bus.subscribe("notification.ws", ["user.registered"], lambda env: None, exclusive=True)
    bus.subscribe("notification.ws", ["user.registered"], lambda env: None, exclusive=True)
    bus.publish([Envelope.wrap(UserRegistered(user_id=n, username="u", email="u@x.io"),
                               producer="auth") for n in range(3)])
    depths = {queue: count for queue, (count, _at) in bus.queue_depths().items()}
    assert depths == {"notification": 3, "notification.ws": 6}
