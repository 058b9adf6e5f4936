"""Reservations: all items or none, released exactly once, one effect per event."""
import pytest

pytestmark = pytest.mark.integration


def available(inventory, ev, *book_ids):
    return [ev.stock_of(inventory, b).available for b in book_ids]


def test_an_order_with_one_short_item_reserves_nothing(inventory, probe, ev, books):
    probe.publish(ev.order_placed(10, (1, 2), (2, 2)))

    (rejected,) = probe.wait_for("inventory.rejected", 1)
    assert rejected.data == {"order_id": 10, "reason": "insufficient_stock", "book_ids": [2]}
    probe.settle(0.5)
    assert probe.of_type("inventory.reserved") == probe.of_type("inventory.stock_changed") == []
    assert available(inventory, ev, 1, 2) == [5, 1]
    assert ev.reservation_of(inventory, 10).status == "REJECTED"


def test_an_order_whose_items_are_all_in_stock_reserves_them_all(inventory, probe, ev, books):
    (placed,) = probe.publish(ev.order_placed(11, (1, 2), (2, 1)))

    (reserved,) = probe.wait_for("inventory.reserved", 1)
    assert reserved.data["order_id"] == 11
    assert [(i["book_id"], i["quantity"]) for i in reserved.data["items"]] == [(1, 2), (2, 1)]
    assert reserved.causation_id == placed.id
    # the new stock travels in the reservation, not in stock_changed events of its own
    assert [(s["book_id"], s["stock"]) for s in reserved.data["stock_after"]] == [(1, 3), (2, 0)]
    probe.settle(0.5)
    assert probe.of_type("inventory.stock_changed") == []
    assert available(inventory, ev, 1, 2) == [3, 0]


def test_a_redelivered_or_republished_placement_reserves_once(inventory, probe, ev, books):
    (placed,) = probe.publish(ev.order_placed(12, (1, 1)))
    probe.wait_for("inventory.reserved", 1)
    probe.publish(placed, ev.order_placed(12, (1, 1)))  # the same event, and a new copy
    probe.settle(0.8)

    assert len(probe.of_type("inventory.reserved")) == 1
    assert probe.of_type("inventory.rejected") == []
    assert available(inventory, ev, 1) == [4]


def test_cancelling_releases_the_reservation_exactly_once(inventory, probe, ev, books):
    probe.publish(ev.order_placed(13, (1, 3), (2, 1)))
    probe.wait_for("inventory.reserved", 1)
    (cancelled,) = probe.publish(ev.order_cancelled(13, (1, 3), (2, 1)))
    probe.wait_for("inventory.released", 1)
    probe.publish(cancelled, ev.order_cancelled(13, (1, 3), (2, 1)))
    probe.settle(0.8)

    (released,) = probe.of_type("inventory.released")
    assert released.data["order_id"] == 13
    assert available(inventory, ev, 1, 2) == [5, 1]
    assert ev.reservation_of(inventory, 13).status == "RELEASED"
    final = {c.data["book_id"]: c.data["stock"] for c in probe.of_type("inventory.stock_changed")}
    assert final == {1: 5, 2: 1}


def test_a_cancellation_before_the_placement_keeps_the_stock_free(inventory, probe, ev, books):
    probe.publish(ev.order_cancelled(14, (1, 1), previous="PENDING"))
    probe.settle(0.5)
    probe.publish(ev.order_placed(14, (1, 1)))

    (rejected,) = probe.wait_for("inventory.rejected", 1)
    assert rejected.data["reason"] == "order_cancelled"
    probe.settle(0.5)
    assert probe.of_type("inventory.reserved") == probe.of_type("inventory.released") == []
    assert available(inventory, ev, 1) == [5]
    assert ev.reservation_of(inventory, 14).status == "CANCELLED"


def test_the_cancellation_of_a_rejected_order_gives_nothing_back(inventory, probe, ev, books):
    probe.publish(ev.order_placed(15, (2, 5)))
    probe.wait_for("inventory.rejected", 1)
    probe.publish(ev.order_cancelled(15, (2, 5), previous="PENDING"))
    probe.settle(0.8)

    assert probe.of_type("inventory.released") == []
    assert available(inventory, ev, 2) == [1]
