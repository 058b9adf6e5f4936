"""The saga's events move orders in order; late and duplicate events change nothing."""
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    InventoryRejected,
    InventoryReserved,
    OrderLine,
    ShipmentUpdated,
)


def placed(harness, user_id=20, quantity=2, price="5.25"):
    book = harness.new_book(price=price, title="Saga")
    order_id = harness.place(user_id, {"book_id": book, "quantity": quantity})
    return order_id, book


def reserved(order_id, book, quantity=2):
    return InventoryReserved(order_id=order_id, items=[OrderLine(book_id=book, quantity=quantity)])


def test_a_reservation_moves_the_order_to_processing_and_confirms_it(harness):
    order_id, book = placed(harness)
    harness.deliver(reserved(order_id, book))
    assert harness.order(order_id)["status"] == "PROCESSING"
    events = harness.outbox(order_id)
    # one event per status: order.confirmed says PROCESSING
    assert [t for t, _ in events] == ["order.placed", "order.confirmed"]
    assert events[1][1]["items"] == [{"book_id": book, "quantity": 2, "unit_price": "5.25",
                                      "title": "Saga"}]
    assert events[1][1]["user_id"] == 20


def test_a_rejection_cancels_the_order_with_the_inventory_reason(harness):
    order_id, book = placed(harness)
    harness.deliver(InventoryRejected(order_id=order_id, reason="insufficient_stock",
                                      book_ids=[book]))
    order = harness.order(order_id)
    assert (order["status"], order["cancel_reason"]) == ("CANCELLED", "insufficient_stock")
    [(_, cancelled)] = [e for e in harness.outbox(order_id) if e[0] == "order.cancelled"]
    assert cancelled["reason"] == "insufficient_stock"
    assert cancelled["previous_status"] == "PENDING"
    assert cancelled["items"][0]["book_id"] == book


def test_a_ready_shipment_ships_the_order_and_delivered_completes_it(harness):
    order_id, book = placed(harness)
    harness.deliver(reserved(order_id, book))
    harness.bus.publish([Envelope.wrap(
        ShipmentUpdated(shipment_id=1, order_id=order_id, status="PREPARING"), producer="test")])
    harness.settle()
    assert harness.order(order_id)["status"] == "PROCESSING"
    harness.deliver(ShipmentUpdated(shipment_id=1, order_id=order_id, status="READY"))
    assert harness.order(order_id)["status"] == "SHIPPED"
    harness.bus.publish([Envelope.wrap(  # follows the order's own SHIPPED: acked, no effect
        ShipmentUpdated(shipment_id=1, order_id=order_id, status="SHIPPED"), producer="test")])
    harness.settle()
    assert harness.statuses(order_id) == ["PENDING", "PROCESSING", "SHIPPED"]
    harness.deliver(ShipmentUpdated(shipment_id=1, order_id=order_id, status="DELIVERED"))
    assert harness.order(order_id)["status"] == "DELIVERED"
    assert harness.statuses(order_id) == ["PENDING", "PROCESSING", "SHIPPED", "DELIVERED"]


def test_delivered_arriving_before_ready_applies_both_in_order(harness):
    order_id, book = placed(harness)
    harness.deliver(reserved(order_id, book))
    harness.deliver(ShipmentUpdated(shipment_id=2, order_id=order_id, status="DELIVERED"))
    harness.deliver(ShipmentUpdated(shipment_id=2, order_id=order_id, status="READY"))
    assert harness.order(order_id)["status"] == "DELIVERED"
    assert harness.statuses(order_id) == ["PENDING", "PROCESSING", "SHIPPED", "DELIVERED"]


def test_a_ready_shipment_of_a_cancelled_order_is_ignored(harness):
    order_id, book = placed(harness)
    harness.deliver(reserved(order_id, book))
    assert harness.client.post(f"/orders/{order_id}/cancel",
                               headers=harness.auth(20)).status_code == 200
    before = harness.outbox(order_id)
    harness.deliver(ShipmentUpdated(shipment_id=3, order_id=order_id, status="READY"))
    assert harness.order(order_id)["status"] == "CANCELLED"
    assert harness.outbox(order_id) == before


def test_a_reservation_after_a_cancel_publishes_nothing_new(harness):
    order_id, book = placed(harness)
    assert harness.client.post(f"/orders/{order_id}/cancel",
                               headers=harness.auth(20)).status_code == 200
    before = harness.outbox(order_id)
    assert [t for t, _ in before].count("order.cancelled") == 1
    harness.deliver(reserved(order_id, book))
    assert harness.order(order_id)["status"] == "CANCELLED"
    assert harness.outbox(order_id) == before


def test_a_second_reservation_or_a_late_rejection_changes_nothing(harness):
    order_id, book = placed(harness)
    harness.deliver(reserved(order_id, book))
    before = harness.outbox(order_id)
    harness.deliver(reserved(order_id, book))
    harness.deliver(InventoryRejected(order_id=order_id, reason="insufficient_stock"))
    assert harness.order(order_id)["status"] == "PROCESSING"
    assert harness.outbox(order_id) == before


def test_every_event_delivered_twice_has_one_effect(harness):
    order_id, book = placed(harness)
    for payload in (reserved(order_id, book),
                    ShipmentUpdated(shipment_id=4, order_id=order_id, status="READY"),
                    ShipmentUpdated(shipment_id=4, order_id=order_id, status="DELIVERED")):
        env = harness.deliver(payload)
        after_first = harness.outbox(order_id)
        harness.bus.publish([env])  # the replay, then a marker processed after it
        harness.settle()
        assert harness.outbox(order_id) == after_first
    assert harness.statuses(order_id) == ["PENDING", "PROCESSING", "SHIPPED", "DELIVERED"]


def test_a_rejection_delivered_twice_cancels_once(harness):
    order_id, _ = placed(harness)
    env = harness.deliver(InventoryRejected(order_id=order_id, reason="insufficient_stock"))
    harness.bus.publish([env])
    # one consumer thread handles the queue in order: once this is processed, so is the replay
    harness.settle()
    assert [t for t, _ in harness.outbox(order_id)].count("order.cancelled") == 1
