"""The routing key an event is published under: its type, extended by its routing attribute."""
from __future__ import annotations

import pytest
from bookstore_shared.events import Envelope, bindings_for, every_key_of, routed_by, routing_key
from bookstore_shared.events.contracts import (
    REGISTRY,
    OrderPlaced,
    OrderStatusChanged,
    ShipmentUpdated,
)


def test_an_event_routed_by_status_travels_under_type_dot_status_and_keeps_its_type():
    env = Envelope.wrap(ShipmentUpdated(shipment_id=1, order_id=2, status="READY"),
                        producer="shipping")
    assert (routing_key(env), env.type) == ("shipment.updated.READY", "shipment.updated")
    order = Envelope.wrap(OrderStatusChanged(order_id=2, user_id=3, status="SHIPPED"),
                          producer="order")
    assert (routing_key(order), order.type) == ("order.status_changed.SHIPPED",
                                                "order.status_changed")


def test_an_event_without_a_routing_attribute_travels_under_its_type():
    env = Envelope.wrap(OrderPlaced(order_id=1, user_id=2, items=[]), producer="order")
    assert routing_key(env) == "order.placed"


def test_only_the_status_events_have_a_routing_attribute():
    keyed = {t for t, versions in REGISTRY.items() for m in versions.values() if m.routed_by}
    assert keyed == {"order.status_changed", "shipment.updated"}
    assert routed_by("shipment.updated") == "status" and routed_by("order.placed") is None


@pytest.mark.parametrize("status", [None, "", "A.B", 7])
def test_a_value_that_is_not_one_topic_word_leaves_the_bare_type(status):
    env = Envelope(type="order.status_changed", producer="x", correlation_id="c",
                   data={"order_id": 1, "user_id": 1, "status": status})
    assert routing_key(env) == "order.status_changed"


def test_an_unknown_event_type_travels_under_its_type():
    env = Envelope(type="nobody.knows", producer="x", correlation_id="c", data={})
    assert routing_key(env) == "nobody.knows"


def test_every_key_of_a_type():
    assert every_key_of("order.status_changed") == "order.status_changed.#"
    assert every_key_of("order.placed") == "order.placed"


def test_a_pattern_matching_a_keyed_type_is_bound_to_all_its_statuses_too():
    assert bindings_for("shipment.updated") == ["shipment.updated", "shipment.updated.#"]
    assert bindings_for("shipment.*") == ["shipment.*", "shipment.updated.#"]
    assert bindings_for("*.*") == ["*.*", "order.status_changed.#", "shipment.updated.#"]
    assert bindings_for("shipment.updated.READY") == ["shipment.updated.READY"]
    assert bindings_for("order.#") == ["order.#"] and bindings_for("#") == ["#"]
    assert bindings_for("order.placed") == ["order.placed"]
