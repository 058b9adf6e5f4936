"""A batch of order events locks the shipments it moves in one statement and writes them in one
more (one per set of columns); the scheduler moves the due shipments taking the same step in one
statement."""
from datetime import timedelta

import pytest
from bookstore_shared.events import utcnow
from bookstore_testing.kit import apply_as_one_batch, statements_sent
from shipping_service.adapters.orm import INBOX
from shipping_service.service_layer.scheduler import advance_due_shipments

pytestmark = pytest.mark.integration


def test_a_batch_locks_its_orders_shipments_at_once_and_reads_again_what_it_wrote(
        make_settings, start_shipping, probe, ev):
    shipping = start_shipping(make_settings(ship=0, deliver=60))
    apply_as_one_batch(shipping, INBOX, *(ev.confirmed(n) for n in (21, 22, 23)))
    probe.wait_until(lambda p: all("READY" in ev.statuses(p, n) for n in (21, 22, 23)),
                     timeout=10)
    with statements_sent(shipping.runtime.engine, "FOR UPDATE") as locks:
        apply_as_one_batch(shipping, INBOX, ev.released(21), ev.released(22),
                           # no shipment yet (known from the batch's one read): a tombstone
                           ev.cancelled(24, previous="PENDING"),
                           # the shipment this batch just sent: read again, not cancelled
                           ev.cancelled(21), ev.released(23))
    # one statement for every order, one more for the order that came back
    assert len(locks) == 2, locks
    assert " IN (" in locks[0]
    probe.settle(0.5)
    assert [ev.statuses(probe, n) for n in (21, 22, 23, 24)] == [["READY"]] * 3 + [[]]
    with shipping.uow() as uow:
        assert [uow.shipments.get_by_order(n).status for n in (21, 22, 23)] == ["SHIPPED"] * 3
        tombstone = uow.shipments.get_by_order(24)
        assert (tombstone.status, tombstone.tombstone) == ("CANCELLED", True)


def test_due_shipments_taking_the_same_step_move_in_one_statement(
        make_settings, start_shipping, probe, ev):
    shipping = start_shipping(make_settings(ship=60, deliver=60))  # the scheduler waits
    apply_as_one_batch(shipping, INBOX, *(ev.confirmed(n) for n in (31, 32, 33)))
    with shipping.uow() as uow, \
            statements_sent(shipping.runtime.engine, "UPDATE shipment") as moves:
        assert advance_due_shipments(uow, now=utcnow() + timedelta(seconds=120)) == 3
        uow.commit()
    assert len(moves) == 1 and " IN (" in moves[0], moves
    probe.wait_until(lambda p: all("READY" in ev.statuses(p, n) for n in (31, 32, 33)),
                     timeout=10)
    with shipping.uow() as uow:
        assert [uow.shipments.get_by_order(n).status for n in (31, 32, 33)] == ["READY"] * 3


def test_a_batch_inserts_its_new_shipments_in_one_statement_and_moves_them_in_one(
        make_settings, start_shipping, probe, ev):
    shipping = start_shipping(make_settings(ship=0, deliver=60))
    engine = shipping.runtime.engine
    with statements_sent(engine, "INSERT INTO shipment") as inserts:
        apply_as_one_batch(shipping, INBOX, *(ev.confirmed(n) for n in (41, 42, 43)))
    assert len(inserts) == 1, inserts
    probe.wait_until(lambda p: all("READY" in ev.statuses(p, n) for n in (41, 42, 43)),
                     timeout=10)
    with statements_sent(engine, "UPDATE shipment") as moves:
        apply_as_one_batch(shipping, INBOX, *(ev.released(n) for n in (41, 42, 43)))
    assert len(moves) == 1, moves
    with shipping.uow() as uow:
        shipped = [uow.shipments.get_by_order(n) for n in (41, 42, 43)]
    assert [s.status for s in shipped] == ["SHIPPED"] * 3
    assert all(s.shipped_at is not None and s.next_step_at is not None for s in shipped)
