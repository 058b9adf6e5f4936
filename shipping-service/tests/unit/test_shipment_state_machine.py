"""The shipment state machine and its schedule (pure, no I/O)."""
from datetime import UTC, datetime, timedelta

import pytest
from shipping_service.config import Settings
from shipping_service.domain.model import (
    CancelledAction,
    ConfirmedAction,
    InvalidTransition,
    ShipmentStatus,
    Step,
    Timings,
    advance,
    on_order_cancelled,
    on_order_confirmed,
    release,
    start,
)

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
TIMINGS = Timings(ship_after=timedelta(seconds=5), deliver_after=timedelta(seconds=10))


def test_a_new_shipment_is_preparing_and_is_ready_after_the_ship_delay():
    assert start(T0, TIMINGS) == Step(ShipmentStatus.PREPARING, T0 + timedelta(seconds=5))


def test_a_due_shipment_is_packed_and_waits_for_its_release():
    assert advance(ShipmentStatus.PREPARING) == Step(ShipmentStatus.READY, None)


def test_a_released_shipment_ships_now_and_is_delivered_after_the_delivery_delay():
    assert release(ShipmentStatus.READY, T0, TIMINGS) == Step(
        ShipmentStatus.SHIPPED, T0 + timedelta(seconds=10))
    assert advance(ShipmentStatus.SHIPPED) == Step(ShipmentStatus.DELIVERED, None)


@pytest.mark.parametrize("status", [ShipmentStatus.PREPARING, ShipmentStatus.SHIPPED,
                                    ShipmentStatus.DELIVERED, ShipmentStatus.CANCELLED])
def test_only_a_ready_shipment_is_released(status):
    assert release(status, T0, TIMINGS) is None


@pytest.mark.parametrize("status", [ShipmentStatus.READY, ShipmentStatus.DELIVERED,
                                    ShipmentStatus.CANCELLED])
def test_ready_and_final_shipments_never_advance_on_their_own(status):
    with pytest.raises(InvalidTransition):
        advance(status)


def test_an_order_gets_one_shipment_and_none_after_a_tombstone():
    assert on_order_confirmed(None) is ConfirmedAction.CREATE
    for status in ShipmentStatus:
        assert on_order_confirmed(status) is ConfirmedAction.IGNORE


def test_only_a_shipment_that_has_not_left_can_be_cancelled():
    assert on_order_cancelled(ShipmentStatus.PREPARING) is CancelledAction.CANCEL
    assert on_order_cancelled(ShipmentStatus.READY) is CancelledAction.CANCEL
    for status in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED, ShipmentStatus.CANCELLED):
        assert on_order_cancelled(status) is CancelledAction.IGNORE


def test_a_cancellation_before_any_shipment_leaves_a_tombstone():
    assert on_order_cancelled(None) is CancelledAction.TOMBSTONE


def test_delays_default_to_five_and_ten_seconds_and_follow_the_environment(monkeypatch):
    monkeypatch.delenv("BOOKSTORE_SHIP_AFTER_S", raising=False)
    monkeypatch.delenv("BOOKSTORE_DELIVER_AFTER_S", raising=False)
    assert Settings(_env_file=None).timings == TIMINGS
    monkeypatch.setenv("BOOKSTORE_SHIP_AFTER_S", "0.5")
    monkeypatch.setenv("BOOKSTORE_DELIVER_AFTER_S", "1.5")
    assert Settings(_env_file=None).timings == Timings(timedelta(seconds=0.5),
                                                       timedelta(seconds=1.5))
