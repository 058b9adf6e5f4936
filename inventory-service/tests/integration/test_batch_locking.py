"""A batch of placements locks its orders' reservations in one statement and its books' stock in
another, and each placement still sees what the ones before it in the batch took."""
from __future__ import annotations

import pytest
from bookstore_testing.kit import apply_as_one_batch, statements_sent
from inventory_service.adapters.orm import INBOX

pytestmark = pytest.mark.integration


def test_a_batch_reads_ahead_once_and_a_book_taken_earlier_in_it_is_read_again(
        inventory, probe, ev, books):
    engine = inventory.runtime.engine
    with statements_sent(engine, "FOR UPDATE") as locks:
        apply_as_one_batch(inventory, INBOX, ev.order_placed(20, (1, 2)),
                           ev.order_placed(21, (2, 1)),
                           # both books again, after 20 and 21 took from them: 2 is gone now
                           ev.order_placed(22, (1, 1), (2, 1)))
    # one statement for the three reservations, one for the two books' stock; 22 asks for books
    # the batch has already taken from, which are read again (without reading ahead: six)
    assert [("reservation" in s, "stock" in s) for s in locks] == [
        (True, False), (False, True), (False, True)], locks
    assert all(" IN (" in s for s in locks[:2]), locks
    assert [ev.stock_of(inventory, b).available for b in (1, 2)] == [3, 0]
    assert [ev.reservation_of(inventory, o).status for o in (20, 21, 22)] == [
        "RESERVED", "RESERVED", "REJECTED"]
    reserved = {e.data["order_id"]: e.data["stock_after"]
                for e in probe.wait_for("inventory.reserved", 2)}
    assert {o: [(s["book_id"], s["stock"]) for s in after] for o, after in reserved.items()} == {
        20: [(1, 3)], 21: [(2, 0)]}
    (rejected,) = probe.wait_for("inventory.rejected", 1)
    assert rejected.data["order_id"] == 22 and rejected.data["book_ids"] == [2]


def test_a_cancellation_in_a_batch_finds_the_reservation_read_ahead_and_releases_it(
        inventory, probe, ev, books):
    apply_as_one_batch(inventory, INBOX, ev.order_placed(30, (1, 4)))
    apply_as_one_batch(inventory, INBOX, ev.order_cancelled(30, (1, 4)),
                       ev.order_placed(31, (1, 2)),
                       ev.order_cancelled(32, (2, 1), previous="PENDING"))  # not placed yet
    assert [ev.reservation_of(inventory, o).status for o in (30, 31, 32)] == [
        "RELEASED", "RESERVED", "CANCELLED"]
    assert [ev.stock_of(inventory, b).available for b in (1, 2)] == [3, 1]
