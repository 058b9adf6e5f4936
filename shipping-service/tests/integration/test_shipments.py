"""Shipments move PREPARING -> READY on a schedule kept in the database, wait there for the order
service's SHIPPED, then go on to DELIVERED on schedule. READY, DELIVERED and CANCELLED are
published; PREPARING and SHIPPED are seen in the shipment's row."""
import pytest

pytestmark = pytest.mark.integration


def shipment_row(shipping, order_id):
    with shipping.uow() as uow:
        return uow.shipments.get_by_order(order_id)


def test_a_confirmed_order_is_packed_waits_for_its_release_then_is_delivered(
        make_settings, start_shipping, probe, ev):
    shipping = start_shipping(make_settings(ship=0.4, deliver=0.4))
    (confirm,) = probe.publish(ev.confirmed(1))

    probe.wait_until(lambda p: "READY" in ev.statuses(p, 1), timeout=10)
    probe.settle(1.0)  # more than both delays: a READY shipment does not leave on its own
    assert ev.statuses(probe, 1) == ["READY"]
    assert shipment_row(shipping, 1).status == "READY"
    probe.publish(ev.released(1))

    probe.wait_until(lambda p: "DELIVERED" in ev.statuses(p, 1), timeout=10)
    updates = probe.of_type("shipment.updated")
    assert ev.statuses(probe, 1) == ["READY", "DELIVERED"]
    assert {u.data["shipment_id"] for u in updates} == {shipment_row(shipping, 1).id}
    # The scheduled steps have no causing event but stay in the confirmation's saga.
    assert [(u.causation_id, u.correlation_id) for u in updates] == [
        (None, confirm.correlation_id)] * 2
    row = shipment_row(shipping, 1)
    assert row.status == "DELIVERED" and row.next_step_at is None
    assert (row.delivered_at - row.shipped_at).total_seconds() >= 0.39


def test_cancelling_before_shipping_cancels_the_shipment(make_settings, start_shipping, probe,
                                                         ev):
    shipping = start_shipping(make_settings(ship=1.5, deliver=0.3))
    probe.publish(ev.confirmed(2))
    probe.wait_until(lambda _: shipment_row(shipping, 2) is not None, timeout=10)
    assert shipment_row(shipping, 2).status == "PREPARING"
    probe.publish(ev.cancelled(2))

    probe.wait_until(lambda p: "CANCELLED" in ev.statuses(p, 2), timeout=10)
    probe.settle(2.0)
    assert ev.statuses(probe, 2) == ["CANCELLED"]
    assert shipment_row(shipping, 2).status == "CANCELLED"


def test_cancelling_a_ready_shipment_cancels_it_and_it_never_ships(make_settings,
                                                                   start_shipping, probe, ev):
    shipping = start_shipping(make_settings(ship=0.2, deliver=0.2))
    probe.publish(ev.confirmed(6))
    probe.wait_until(lambda p: "READY" in ev.statuses(p, 6), timeout=10)
    probe.publish(ev.cancelled(6))
    probe.wait_until(lambda p: "CANCELLED" in ev.statuses(p, 6), timeout=10)
    probe.publish(ev.released(6))  # the order service never does this after a cancel

    probe.settle(1.0)
    assert ev.statuses(probe, 6) == ["READY", "CANCELLED"]
    row = shipment_row(shipping, 6)
    assert (row.status, row.shipped_at, row.delivered_at) == ("CANCELLED", None, None)


def test_a_cancellation_after_shipping_changes_nothing(make_settings, start_shipping, probe, ev):
    shipping = start_shipping(make_settings(ship=0.2, deliver=1.0))
    probe.publish(ev.confirmed(3))
    probe.wait_until(lambda p: "READY" in ev.statuses(p, 3), timeout=10)
    probe.publish(ev.released(3))
    probe.wait_until(lambda _: shipment_row(shipping, 3).status == "SHIPPED", timeout=10)
    probe.publish(ev.cancelled(3))

    probe.wait_until(lambda p: "DELIVERED" in ev.statuses(p, 3), timeout=10)
    assert ev.statuses(probe, 3) == ["READY", "DELIVERED"]
    assert shipment_row(shipping, 3).status == "DELIVERED"


def test_a_cancellation_before_the_confirmation_prevents_the_shipment(make_settings,
                                                                      start_shipping, probe, ev):
    shipping = start_shipping(make_settings())
    probe.publish(ev.cancelled(4, previous="PENDING"))
    probe.settle(0.5)
    probe.publish(ev.confirmed(4))
    probe.settle(1.5)

    assert ev.statuses(probe, 4) == []
    assert shipment_row(shipping, 4).tombstone


def test_a_redelivered_or_repeated_confirmation_or_release_ships_once(make_settings,
                                                                     start_shipping, probe, ev):
    shipping = start_shipping(make_settings(ship=0.3, deliver=0.3))
    (confirm,) = probe.publish(ev.confirmed(5))
    probe.publish(confirm, ev.confirmed(5))
    probe.wait_until(lambda p: "READY" in ev.statuses(p, 5), timeout=10)
    (release,) = probe.publish(ev.released(5))
    probe.publish(release, ev.released(5))

    probe.wait_until(lambda p: "DELIVERED" in ev.statuses(p, 5), timeout=10)
    probe.settle(1.0)
    assert ev.statuses(probe, 5) == ["READY", "DELIVERED"]
    row = shipment_row(shipping, 5)
    assert row.shipped_at is not None and row.delivered_at is not None


def test_two_replicas_share_the_schedule_and_advance_each_shipment_once(make_settings,
                                                                        start_shipping, probe,
                                                                        ev):
    settings = make_settings(ship=0.3, deliver=0.3)
    start_shipping(settings), start_shipping(settings)
    orders = [100 + n for n in range(40)]
    probe.publish(*(ev.confirmed(o) for o in orders))
    probe.wait_until(lambda p: sum(1 for (_, s) in ev.status_counts(p) if s == "READY") == 40,
                     timeout=20)
    probe.publish(*(ev.released(o) for o in orders))

    probe.wait_until(lambda p: sum(1 for (_, s) in ev.status_counts(p) if s == "DELIVERED") == 40,
                     timeout=20)
    probe.settle(1.0)
    counts = ev.status_counts(probe)
    assert set(counts.values()) == {1}
    assert len(counts) == 80
