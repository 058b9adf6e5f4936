"""A batch of saga events locks its orders in one statement, and each event still sees what the
ones before it in the batch did to its order."""
from __future__ import annotations

import pytest
from bookstore_shared.events.contracts import InventoryRejected, ShipmentUpdated
from bookstore_testing.kit import apply_as_one_batch, statements_sent
from order_service.adapters.orm import INBOX
from order_service.domain.exceptions import UnknownOrder

from .test_order_saga import placed, reserved


def test_a_batch_locks_all_its_orders_at_once_and_one_order_twice_in_it_moves_twice(harness):
    (first, book), (second, _), (third, _) = (placed(harness) for _ in range(3))
    container = harness.app.state.container
    with statements_sent(container.runtime.engine, "FOR UPDATE") as locks:
        apply_as_one_batch(
            container, INBOX, reserved(first, book), reserved(second, book),
            InventoryRejected(order_id=third, reason="insufficient_stock"),
            # the same order again: read afresh, after the reservation above moved it
            ShipmentUpdated(shipment_id=9, order_id=first, status="READY"))
    # one statement for the three orders, one more for the order that came back
    assert len(locks) == 2, locks
    assert " IN (" in locks[0]
    assert harness.statuses(first) == ["PENDING", "PROCESSING", "SHIPPED"]
    assert harness.statuses(second) == ["PENDING", "PROCESSING"]
    assert harness.order(third)["status"] == "CANCELLED"
    assert harness.order(first)["items"][0]["book_id"] == book


def test_an_unknown_order_fails_its_batch_and_leaves_the_others_to_be_applied_alone(harness):
    """The bus then applies the batch's events one at a time: the known order moves, and the
    unknown one alone is retried (and dead-lettered after its last attempt)."""
    order_id, book = placed(harness)
    container = harness.app.state.container
    with pytest.raises(UnknownOrder):
        apply_as_one_batch(container, INBOX, reserved(10**12, book), reserved(order_id, book))
    assert harness.statuses(order_id) == ["PENDING"]  # the failed batch left nothing behind
    apply_as_one_batch(container, INBOX, reserved(order_id, book))
    assert harness.statuses(order_id) == ["PENDING", "PROCESSING"]
