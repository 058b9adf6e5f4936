"""What one order's saga delivers to the services' queues, read from their own subscriptions:
every queue is bound to the routing keys its handlers take, so no delivery is ignored."""
from __future__ import annotations

import pytest
import topology
from bookstore_shared.bus import topic_matches
from bookstore_shared.events import Envelope, routing_key
from bookstore_shared.kit import BatchedConsumer

# The events of one order that is reserved, shipped and delivered (one book).
ORDER = [("order.placed", None), ("inventory.reserved", None), ("order.confirmed", None),
         ("shipment.updated", "READY"), ("order.status_changed", "SHIPPED"),
         ("shipment.updated", "DELIVERED"), ("order.status_changed", "DELIVERED")]


def envelopes() -> list[Envelope]:
    return [Envelope(type=t, producer="tests", correlation_id="c",
                     data={"order_id": 1, **({"status": s} if s else {})}) for t, s in ORDER]


@pytest.fixture(scope="module")
def subscriptions():
    return [s for subs in topology.all_subscriptions().values() for s in subs]


def delivered(sub, envs: list[Envelope]) -> list[Envelope]:
    return [e for e in envs if any(topic_matches(p, routing_key(e)) for p in sub.patterns)]


def test_a_service_queue_receives_only_events_its_handlers_act_on(subscriptions):
    durable = [s for s in subscriptions if isinstance(s.handler, BatchedConsumer)]
    assert {s.queue for s in durable} >= {"order", "shipping", "notification"}
    for sub in durable:
        ignored = [(e.type, e.data.get("status")) for e in delivered(sub, envelopes())
                   if not sub.handler.dispatcher.acts_on(e)]
        assert ignored == [], f"{sub.queue} is delivered events it ignores"


def test_one_order_makes_16_deliveries_to_the_services_queues(subscriptions):
    """One replica of each service (its exclusive queues too, the admin feed closed): 24 while
    one routing key carried every status, of which 7 were acked untouched; 17 while a
    reservation's stock came in an inventory.stock_changed of its own (to order, catalog and
    catalog.replica) rather than in the reservation. Still 16 since PENDING and PROCESSING have
    no order.status_changed of their own: notification.ws takes them from order.placed and
    order.confirmed."""
    per_queue = {s.queue: len(delivered(s, envelopes())) for s in subscriptions}
    assert {q: n for q, n in per_queue.items() if n} == {
        "catalog": 2, "catalog.replica": 1, "order": 3, "inventory": 1, "shipping": 2,
        "notification.ws": 4, "notification": 3}
    assert sum(per_queue.values()) == 16
