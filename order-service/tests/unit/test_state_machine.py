"""The order state machine: every allowed and refused transition, late and duplicate events."""
from decimal import Decimal

import pytest
from order_service.domain.exceptions import OrderNotCancellable
from order_service.domain.model import (
    ALLOWED,
    CANCELLED_BY_USER,
    Order,
    OrderLine,
    OrderStatus,
    StatusChange,
    can_transition,
)

S = OrderStatus


def order_in(status: OrderStatus) -> Order:
    return Order(user_id=7, status=status, id=1,
                 lines=[OrderLine(book_id=3, quantity=2, unit_price=Decimal("9.99"), title="T")])


EXPECTED = {
    (S.PENDING, S.PROCESSING), (S.PENDING, S.CANCELLED), (S.PROCESSING, S.SHIPPED),
    (S.PROCESSING, S.CANCELLED), (S.SHIPPED, S.DELIVERED),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_only_the_saga_transitions_are_allowed(current, target):
    assert can_transition(current, target) == ((current, target) in EXPECTED)


def test_the_transition_table_covers_every_status():
    assert set(ALLOWED) == set(S)


def test_a_reservation_moves_a_pending_order_to_processing():
    order = order_in(S.PENDING)
    assert order.confirm_reservation() == [StatusChange(S.PENDING, S.PROCESSING)]
    assert order.status is S.PROCESSING


@pytest.mark.parametrize("status", [S.PROCESSING, S.SHIPPED, S.DELIVERED, S.CANCELLED])
def test_a_late_or_second_reservation_changes_nothing(status):
    order = order_in(status)
    assert order.confirm_reservation() == []
    assert order.status is status and order.changes == []


def test_a_reservation_for_a_cancelled_order_is_flagged_for_release():
    assert order_in(S.CANCELLED).holds_reservation_to_release
    assert not order_in(S.PROCESSING).holds_reservation_to_release


def test_a_rejection_cancels_a_pending_order_with_the_inventory_reason():
    order = order_in(S.PENDING)
    assert order.reject_reservation("insufficient_stock") == [
        StatusChange(S.PENDING, S.CANCELLED, "insufficient_stock")]
    assert order.status is S.CANCELLED and order.cancel_reason == "insufficient_stock"


@pytest.mark.parametrize("status", [S.PROCESSING, S.SHIPPED, S.DELIVERED, S.CANCELLED])
def test_a_rejection_after_the_order_moved_on_is_ignored(status):
    order = order_in(status)
    assert order.reject_reservation("insufficient_stock") == []
    assert order.status is status and order.cancel_reason is None


@pytest.mark.parametrize("status", [S.PENDING, S.PROCESSING])
def test_a_user_may_cancel_a_pending_or_processing_order(status):
    order = order_in(status)
    assert order.cancel() == StatusChange(status, S.CANCELLED, CANCELLED_BY_USER)
    assert order.status is S.CANCELLED and order.cancel_reason == CANCELLED_BY_USER


@pytest.mark.parametrize("status", [S.SHIPPED, S.DELIVERED, S.CANCELLED])
def test_cancelling_after_shipping_or_twice_is_refused_with_the_current_status(status):
    order = order_in(status)
    with pytest.raises(OrderNotCancellable) as refused:
        order.cancel()
    assert refused.value.status == status.value
    assert order.status is status


def test_a_ready_shipment_ships_a_processing_order():
    order = order_in(S.PROCESSING)
    assert order.record_shipment("READY") == [StatusChange(S.PROCESSING, S.SHIPPED)]
    assert order.status is S.SHIPPED


def test_a_ready_shipment_of_a_cancelled_order_is_ignored_and_it_stays_cancelled():
    order = order_in(S.CANCELLED)
    assert order.record_shipment("READY") == []
    assert order.status is S.CANCELLED


def test_delivered_moves_a_shipped_order_to_delivered():
    order = order_in(S.SHIPPED)
    assert order.record_shipment("DELIVERED") == [StatusChange(S.SHIPPED, S.DELIVERED)]


def test_delivered_before_shipped_applies_both_steps_in_order():
    order = order_in(S.PROCESSING)
    assert order.record_shipment("DELIVERED") == [StatusChange(S.PROCESSING, S.SHIPPED),
                                                  StatusChange(S.SHIPPED, S.DELIVERED)]
    assert order.status is S.DELIVERED


@pytest.mark.parametrize("status,update", [
    (S.CANCELLED, "READY"), (S.CANCELLED, "SHIPPED"), (S.CANCELLED, "DELIVERED"),
    (S.PENDING, "READY"), (S.PENDING, "DELIVERED"), (S.SHIPPED, "READY"),
    (S.SHIPPED, "SHIPPED"), (S.DELIVERED, "READY"), (S.DELIVERED, "SHIPPED"),
    (S.DELIVERED, "DELIVERED"), (S.PROCESSING, "PREPARING"), (S.PROCESSING, "SHIPPED"),
    (S.PROCESSING, "CANCELLED"),
])
def test_late_duplicate_or_foreign_shipment_updates_are_ignored(status, update):
    order = order_in(status)
    assert order.record_shipment(update) == []
    assert order.status is status


def test_the_total_is_the_exact_sum_of_the_lines():
    order = Order(user_id=1, lines=[
        OrderLine(1, 3, Decimal("0.10"), "a"), OrderLine(2, 7, Decimal("19.99"), "b"),
        OrderLine(3, 1000, Decimal("0.01"), "c")])
    assert order.total == Decimal("150.23")
    assert str(order.total) == "150.23"


def test_a_total_of_float_unfriendly_prices_stays_exact():
    order = Order(user_id=1, lines=[OrderLine(1, 3, Decimal("0.1"), "a"),
                                    OrderLine(2, 1, Decimal("0.2"), "b")])
    assert order.total == Decimal("0.50")
