"""A batch of order events locks the shipments it moves in one statement."""
import pytest
from bookstore_testing.kit import apply_as_one_batch, statements_sent
from shipping_service.adapters.orm import INBOX

pytestmark = pytest.mark.integration


def test_a_batch_locks_its_orders_shipments_at_once_and_reads_again_what_it_wrote(
        make_settings, start_shipping, probe, ev):
    shipping = start_shipping(make_settings(ship=0, deliver=60))
    apply_as_one_batch(shipping, INBOX, *(ev.confirmed(n) for n in (21, 22, 23)))
    probe.wait_until(lambda p: all("READY" in ev.statuses(p, n) for n in (21, 22, 23)),
                     timeout=10)
    with statements_sent(shipping.runtime.engine, "FOR UPDATE") as locks:
        apply_as_one_batch(shipping, INBOX, ev.released(21), ev.released(22),
                           # no shipment yet: a tombstone, written after reading again
                           ev.cancelled(24, previous="PENDING"),
                           # the shipment this batch just sent: read again, not cancelled
                           ev.cancelled(21), ev.released(23))
    # one statement for every order, one more for each that came back or had no shipment
    assert len(locks) == 3, locks
    assert " IN (" in locks[0]
    probe.wait_until(lambda p: all("SHIPPED" in ev.statuses(p, n) for n in (21, 22, 23)),
                     timeout=10)
    probe.settle(0.5)
    assert [ev.statuses(probe, n) for n in (21, 22, 23, 24)] == [
        ["PREPARING", "READY", "SHIPPED"]] * 3 + [[]]
    with shipping.uow() as uow:
        assert uow.shipments.get_by_order(21).status == "SHIPPED"
        tombstone = uow.shipments.get_by_order(24)
        assert (tombstone.status, tombstone.tombstone) == ("CANCELLED", True)
