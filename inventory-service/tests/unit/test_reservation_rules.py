"""Reservation rules: all items or none, tombstones, version ordering (pure, no I/O)."""
import pytest
from inventory_service.domain.exceptions import BookNotKnownYet, RetryLater
from inventory_service.domain.model import (
    BOOK_UNAVAILABLE,
    INSUFFICIENT_STOCK,
    CancelledAction,
    Decision,
    Line,
    PlacedAction,
    ReservationStatus,
    StockLevel,
    decide_reservation,
    merge_lines,
    on_order_cancelled,
    on_order_placed,
    should_apply_stock,
)


def levels(*items: StockLevel) -> dict[int, StockLevel]:
    return {lvl.book_id: lvl for lvl in items}


def test_an_order_whose_every_item_is_in_stock_is_reserved():
    stock = levels(StockLevel(1, 5), StockLevel(2, 1))
    assert decide_reservation(stock, [Line(1, 5), Line(2, 1)]) == Decision(True)


def test_one_short_item_rejects_the_whole_order_and_names_the_short_book():
    stock = levels(StockLevel(1, 5), StockLevel(2, 0))
    assert decide_reservation(stock, [Line(1, 1), Line(2, 1)]) == Decision(
        False, INSUFFICIENT_STOCK, (2,))


def test_repeated_lines_of_one_book_are_summed_before_checking_stock():
    stock = levels(StockLevel(1, 3))
    assert decide_reservation(stock, [Line(1, 2), Line(1, 2)]).reason == INSUFFICIENT_STOCK
    assert merge_lines([Line(3, 1), Line(1, 2), Line(3, 4)]) == [Line(1, 2), Line(3, 5)]


def test_an_order_for_a_deleted_book_is_rejected_as_unavailable():
    stock = levels(StockLevel(1, 10, deleted=True), StockLevel(2, 10))
    assert decide_reservation(stock, [Line(1, 1), Line(2, 1)]) == Decision(
        False, BOOK_UNAVAILABLE, (1,))


def test_an_order_for_a_book_not_heard_of_yet_is_retried_not_rejected():
    with pytest.raises(BookNotKnownYet) as err:
        decide_reservation(levels(StockLevel(1, 10)), [Line(1, 1), Line(7, 1)])
    assert err.value.book_ids == [7]
    assert isinstance(err.value, RetryLater)


def test_a_non_positive_quantity_is_refused():
    with pytest.raises(ValueError):
        merge_lines([Line(1, 0)])


def test_stock_versions_apply_only_when_newer_than_the_last_applied():
    assert should_apply_stock(None, 1, known=False)
    assert should_apply_stock(3, 4, known=True)
    assert not should_apply_stock(4, 4, known=True)
    assert not should_apply_stock(4, 3, known=True)
    assert not should_apply_stock(4, None, known=True)
    assert should_apply_stock(None, 2, known=True)


def test_a_new_order_is_reserved_and_a_decided_one_is_not_decided_again():
    assert on_order_placed(None) is PlacedAction.RESERVE
    for status in (ReservationStatus.RESERVED, ReservationStatus.REJECTED,
                   ReservationStatus.RELEASED):
        assert on_order_placed(status) is PlacedAction.IGNORE


def test_a_placement_arriving_after_its_cancellation_is_rejected():
    assert on_order_placed(ReservationStatus.CANCELLED) is PlacedAction.REJECT_CANCELLED


def test_cancelling_releases_a_reservation_exactly_once():
    assert on_order_cancelled(ReservationStatus.RESERVED) is CancelledAction.RELEASE
    assert on_order_cancelled(ReservationStatus.RELEASED) is CancelledAction.IGNORE
    assert on_order_cancelled(ReservationStatus.REJECTED) is CancelledAction.IGNORE


def test_cancelling_an_order_never_placed_here_leaves_a_tombstone():
    assert on_order_cancelled(None) is CancelledAction.TOMBSTONE
    assert on_order_cancelled(ReservationStatus.CANCELLED) is CancelledAction.IGNORE
