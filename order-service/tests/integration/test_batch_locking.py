"""A batch of saga events locks its orders in one statement and writes their statuses in one
statement, and each event still sees what the ones before it in the batch did to its order."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bookstore_shared.events.contracts import InventoryRejected, ShipmentUpdated
from bookstore_testing.kit import apply_as_one_batch, statements_sent
from order_service.adapters.orm import INBOX
from order_service.adapters.repository import ConcurrentModification
from order_service.domain.exceptions import UnknownOrder

from .test_order_saga import placed, reserved


def test_a_batch_locks_all_its_orders_at_once_and_one_order_twice_in_it_moves_twice(harness):
    (first, book), (second, _), (third, _) = (placed(harness) for _ in range(3))
    container = harness.app.state.container
    engine = container.runtime.engine
    with statements_sent(engine, "FOR UPDATE") as locks, \
            statements_sent(engine, "UPDATE customer_order") as writes:
        apply_as_one_batch(
            container, INBOX, reserved(first, book), reserved(second, book),
            InventoryRejected(order_id=third, reason="insufficient_stock"),
            # the same order again: it sees what the reservation above did to it
            ShipmentUpdated(shipment_id=9, order_id=first, status="READY"))
    # one statement locks the three orders; one writes their new statuses, before COMMIT
    assert len(locks) == 1 and " IN (" in locks[0], locks
    assert len(writes) == 1 and "CASE" in writes[0], writes
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


@pytest.mark.parametrize("on", ["harness", "standalone_harness"])
def test_statuses_written_together_are_each_written_only_over_what_was_loaded(on, request):
    """Orders read without a lock (as SQLite always does): one of them moved by another
    transaction before the batch writes → nothing of the batch is written."""
    harness = request.getfixturevalue(on)
    (first, _), (second, _) = placed(harness), placed(harness)
    container = harness.app.state.container
    with container.uow() as late:
        orders = [late.orders.get(first), late.orders.get(second)]
        with container.uow() as other:
            cancelled = other.orders.get(second, for_update=True)
            cancelled.cancel()
            other.orders.save_status(cancelled, now=datetime.now(UTC))
            other.commit()
        for order in orders:
            order.confirm_reservation()
            late.orders.save_status(order, now=datetime.now(UTC))
        with pytest.raises(ConcurrentModification):
            late.commit()
    assert harness.order(first)["status"] == "PENDING"
    assert harness.order(second)["status"] == "CANCELLED"
