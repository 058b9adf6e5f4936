"""Stock follows the catalog's book events, newest admin version wins."""
import time

import pytest

pytestmark = pytest.mark.integration


def test_stock_is_set_from_book_events_and_a_late_older_version_is_ignored(inventory, probe, ev):
    probe.publish(ev.book_created(1, 10, 1), ev.book_updated(1, 3, 3), ev.book_updated(1, 99, 2))
    changes = probe.wait_for("inventory.stock_changed", 2)
    probe.settle(0.8)

    changes = [(c.data["stock"], c.data["stock_version"])
               for c in probe.of_type("inventory.stock_changed")]
    # consumer threads may take version 2 before version 3; once 3 is applied, 2 never is
    assert changes[0] == (10, 1) and changes[-1] == (3, 3)
    assert changes in ([(10, 1), (3, 3)], [(10, 1), (99, 2), (3, 3)])
    level = ev.stock_of(inventory, 1)
    assert (level.available, level.stock_version, level.deleted) == (3, 3, False)


def test_a_redelivered_book_event_is_applied_once(inventory, probe, ev):
    (created,) = probe.publish(ev.book_created(2, 4, 1))
    probe.wait_for("inventory.stock_changed", 1)
    probe.publish(created)
    probe.settle(0.8)

    assert len(probe.of_type("inventory.stock_changed")) == 1
    assert ev.stock_of(inventory, 2).available == 4


def test_an_order_for_a_deleted_book_is_rejected_as_unavailable(inventory, probe, ev):
    # one after the other: consumer threads may take events of one queue in any order
    probe.publish(ev.book_created(3, 5, 1))
    probe.wait_for("inventory.stock_changed", 1)
    probe.publish(ev.book_deleted(3))
    deadline = time.monotonic() + 10
    while not ev.stock_of(inventory, 3).deleted:
        assert time.monotonic() < deadline, "book.deleted was not applied"
        time.sleep(0.05)
    probe.publish(ev.order_placed(30, (3, 1)))

    (rejected,) = probe.wait_for("inventory.rejected", 1)
    assert rejected.data == {"order_id": 30, "reason": "book_unavailable", "book_ids": [3]}
    assert ev.stock_of(inventory, 3).available == 5
    assert probe.of_type("inventory.reserved") == []


def test_an_order_arriving_before_its_book_is_retried_until_the_book_is_known(inventory, probe,
                                                                              ev):
    probe.publish(ev.order_placed(40, (4, 2)))
    probe.settle(0.3)
    assert probe.of_type("inventory.rejected") == []
    probe.publish(ev.book_created(4, 5, 1))

    (reserved,) = probe.wait_for("inventory.reserved", 1)
    assert reserved.data["order_id"] == 40
    assert ev.stock_of(inventory, 4).available == 3
    assert ev.reservation_of(inventory, 40).status == "RESERVED"
