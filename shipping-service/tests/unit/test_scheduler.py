"""The scheduler's step on the fake unit of work: due shipments move one step, in the saga of
their order, and the loop sleeps until the next one is due."""
from datetime import timedelta

from bookstore_shared.events import utcnow
from bookstore_shared.events.contracts import ShipmentUpdated
from shipping_service.domain.model import ShipmentStatus, Step
from shipping_service.service_layer.scheduler import ShipmentScheduler, advance_due_shipments


def preparing(uow, order_id, due_at, correlation_id="saga-1"):
    uow.shipments.add(order_id=order_id, step=Step(ShipmentStatus.PREPARING, due_at),
                      now=due_at - timedelta(seconds=5), correlation_id=correlation_id)


def shipped(uow, order_id, due_at):
    uow.shipments.add(order_id=order_id, step=Step(ShipmentStatus.SHIPPED, due_at),
                      now=due_at - timedelta(seconds=10), correlation_id="saga-1")


def test_due_shipments_are_packed_and_wait_for_their_orders_release(uow, ev):
    preparing(uow, 1, ev.t0)
    preparing(uow, 2, ev.t0 + timedelta(seconds=1))
    late = ev.t0 + timedelta(seconds=30)  # e.g. after a restart

    with uow:
        assert advance_due_shipments(uow, now=late) == 2
        uow.commit()

    packed = uow.shipments.by_order[1]
    assert packed.status is ShipmentStatus.READY and packed.shipped_at is None
    assert packed.next_step_at is None, "only the order service's SHIPPED sends it"
    assert [(e.order_id, e.status) for e in uow.published_payloads()] == [
        (1, "READY"), (2, "READY")]
    with uow:
        assert advance_due_shipments(uow, now=late + timedelta(hours=1)) == 0
        uow.commit()


def test_a_scheduled_step_has_no_cause_but_keeps_its_orders_correlation_id(uow, ev):
    preparing(uow, 1, ev.t0, correlation_id="saga-of-order-1")
    preparing(uow, 2, ev.t0, correlation_id="saga-of-order-2")

    with uow:
        advance_due_shipments(uow, now=ev.t0)
        uow.commit()

    assert [(e.causation_id, e.correlation_id, e.producer) for e in uow.published] == [
        (None, "saga-of-order-1", "shipping"), (None, "saga-of-order-2", "shipping")]


def test_a_shipped_shipment_is_delivered_on_time_and_then_never_moves_again(uow, ev):
    shipped(uow, 1, ev.t0)
    for now in (ev.t0 - timedelta(seconds=1), ev.t0 + timedelta(seconds=1),
                ev.t0 + timedelta(hours=1)):
        with uow:
            advance_due_shipments(uow, now=now)
            uow.commit()

    assert uow.published_payloads() == [ShipmentUpdated(shipment_id=1, order_id=1,
                                                        status="DELIVERED")]
    delivered = uow.shipments.by_order[1]
    assert delivered.delivered_at == ev.t0 + timedelta(seconds=1)
    assert delivered.next_step_at is None


def test_nothing_due_leaves_everything_as_it_is(uow, ev):
    preparing(uow, 1, ev.t0)
    with uow:
        assert advance_due_shipments(uow, now=ev.t0 - timedelta(seconds=1)) == 0
        uow.commit()
    assert uow.published == []


def test_one_tick_commits_its_moves_and_sleeps_until_the_next_due_shipment(uow, ev):
    scheduler = ShipmentScheduler(lambda: uow, signal=ev.schedule, max_idle_s=2.0)
    assert scheduler.run_once() == 2.0  # nothing scheduled: poll at the idle bound

    preparing(uow, 1, ev.t0)  # long overdue: packed now, then it waits for its release
    assert scheduler.run_once() == 2.0
    assert uow.shipments.by_order[1].status is ShipmentStatus.READY
    assert uow.commits == 2

    preparing(uow, 2, utcnow() + timedelta(seconds=1), correlation_id=None)
    uow.shipments.by_order.pop(1)
    assert 0.5 < scheduler.run_once() <= 1.0  # until order 2 is due


def test_a_full_batch_asks_for_the_next_tick_at_once(uow, ev):
    for order_id in range(3):
        preparing(uow, order_id, ev.t0)
    scheduler = ShipmentScheduler(lambda: uow, signal=ev.schedule, batch=3)

    assert scheduler.run_once() == 0.0
    assert len(uow.published) == 3
