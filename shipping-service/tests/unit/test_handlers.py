"""Shipping's consumers on the fake unit of work: what each order event changes and emits."""
from dataclasses import replace

import pytest
from bookstore_shared.events import Envelope, utcnow
from bookstore_shared.events.contracts import ShipmentUpdated
from shipping_service.domain.model import ShipmentStatus
from shipping_service.entrypoints.consumers import HANDLERS
from shipping_service.service_layer.scheduler import advance_due_shipments


def statuses(uow) -> list[tuple[int, str]]:
    return [(e.order_id, e.status) for e in uow.published_payloads()]


def ready(uow, ev, order_id: int) -> None:
    """A confirmed order's shipment, packed by the scheduler at its ship time."""
    ev.handle(uow, ev.confirmed(order_id))
    with uow:
        advance_due_shipments(uow, now=utcnow() + ev.timings.ship_after)
        uow.commit()
    assert uow.shipments.by_order[order_id].status is ShipmentStatus.READY


def test_a_confirmed_order_gets_one_preparing_shipment_and_wakes_the_scheduler(uow, ev):
    (confirm,) = ev.handle(uow, ev.confirmed(1))

    shipment = uow.shipments.by_order[1]
    assert shipment.status is ShipmentStatus.PREPARING
    assert shipment.next_step_at == shipment.created_at + ev.timings.ship_after
    assert shipment.correlation_id == confirm.correlation_id
    assert uow.published == [], "PREPARING is not published: no service acts on it"
    assert uow.woken == [ev.schedule]


def test_the_ready_shipment_is_published_in_the_confirmations_saga(uow, ev):
    (confirm,) = ev.handle(uow, ev.confirmed(1))
    with uow:
        advance_due_shipments(uow, now=utcnow() + ev.timings.ship_after)
        uow.commit()

    assert uow.published_payloads() == [ShipmentUpdated(
        shipment_id=uow.shipments.by_order[1].id, order_id=1, status="READY")]
    (update,) = uow.published
    # a scheduled step has no causing event, but it belongs to the confirmation's saga
    assert (update.type, update.producer, update.causation_id, update.correlation_id) == (
        "shipment.updated", "shipping", None, confirm.correlation_id)


def test_a_repeated_confirmation_creates_no_second_shipment(uow, ev):
    ev.handle(uow, ev.confirmed(2), ev.confirmed(2))

    assert uow.shipments.by_order[2].status is ShipmentStatus.PREPARING  # the fake adds one only
    assert len(uow.woken) == 1


def test_cancelling_a_preparing_shipment_cancels_it(uow, ev):
    ev.handle(uow, ev.confirmed(3), ev.cancelled(3))

    assert statuses(uow) == [(3, "CANCELLED")]
    shipment = uow.shipments.by_order[3]
    assert shipment.status is ShipmentStatus.CANCELLED and shipment.next_step_at is None
    assert shipment.cancelled_at is not None


def test_cancelling_a_ready_shipment_cancels_it_and_it_never_ships(uow, ev):
    ready(uow, ev, 6)

    ev.handle(uow, ev.cancelled(6), ev.status_changed(6))

    assert statuses(uow) == [(6, "READY"), (6, "CANCELLED")]
    shipment = uow.shipments.by_order[6]
    assert shipment.status is ShipmentStatus.CANCELLED and shipment.next_step_at is None
    assert shipment.shipped_at is None


def test_the_orders_shipped_status_sends_a_ready_shipment_and_schedules_its_delivery(uow, ev):
    ready(uow, ev, 7)
    uow.woken.clear()

    ev.handle(uow, ev.status_changed(7))

    assert statuses(uow) == [(7, "READY")], "that it left, the order's SHIPPED says"
    shipment = uow.shipments.by_order[7]
    assert shipment.status is ShipmentStatus.SHIPPED
    assert shipment.next_step_at == shipment.shipped_at + ev.timings.deliver_after
    assert uow.woken == [ev.schedule]
    with uow:
        advance_due_shipments(uow, now=shipment.next_step_at)
        uow.commit()
    assert statuses(uow) == [(7, "READY"), (7, "DELIVERED")]
    assert uow.published[-1].correlation_id == uow.shipments.by_order[7].correlation_id


def test_a_cancel_after_the_release_changes_nothing(uow, ev):
    ready(uow, ev, 8)
    ev.handle(uow, ev.status_changed(8), ev.status_changed(8), ev.cancelled(8))

    assert statuses(uow) == [(8, "READY")]
    assert uow.shipments.by_order[8].status is ShipmentStatus.SHIPPED


def test_a_release_of_a_shipment_not_ready_or_unknown_changes_nothing(uow, ev):
    ev.handle(uow, ev.confirmed(9), ev.status_changed(9), ev.status_changed(404))

    assert statuses(uow) == []
    assert uow.shipments.by_order[9].status is ShipmentStatus.PREPARING
    assert 404 not in uow.shipments.by_order


def test_only_the_orders_shipped_status_is_handled(ev):
    dispatcher = HANDLERS.bind(timings=ev.timings, schedule=ev.schedule)
    acted = {status: dispatcher.acts_on(Envelope.wrap(ev.status_changed(1, status),
                                                      producer="order"))
             for status in ("PENDING", "PROCESSING", "SHIPPED", "DELIVERED", "CANCELLED")}
    assert acted == {"PENDING": False, "PROCESSING": False, "SHIPPED": True,
                     "DELIVERED": False, "CANCELLED": False}


@pytest.mark.parametrize("status", [ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED,
                                    ShipmentStatus.CANCELLED])
def test_a_cancellation_after_the_shipment_left_or_ended_changes_nothing(uow, ev, status):
    ev.handle(uow, ev.confirmed(4))
    uow.shipments.by_order[4] = replace(uow.shipments.by_order[4], status=status)

    ev.handle(uow, ev.cancelled(4))

    assert statuses(uow) == []
    assert uow.shipments.by_order[4].status is status


def test_a_cancellation_before_the_confirmation_leaves_a_tombstone_that_blocks_it(uow, ev):
    ev.handle(uow, ev.cancelled(5, previous="PENDING"), ev.confirmed(5))

    assert uow.published == [] and uow.woken == []
    assert uow.shipments.by_order[5].tombstone


def test_the_shipping_queue_is_bound_only_to_the_events_it_handles():
    """Of the order statuses, only SHIPPED (the order's release) reaches the queue."""
    assert HANDLERS.routing_keys() == ["order.cancelled", "order.confirmed",
                                       "order.status_changed.SHIPPED"]


def test_bootstrap_must_give_the_handlers_their_timings_and_schedule():
    with pytest.raises(TypeError, match="timings"):
        HANDLERS.bind()
