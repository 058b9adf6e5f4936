"""Inventory's service layer on the fake unit of work: what each event changes and emits."""
import pytest
from bookstore_shared.events.contracts import (
    BookCreated,
    BookDeleted,
    BookStock,
    BookUpdated,
    InventoryRejected,
    InventoryReleased,
    InventoryReserved,
    StockChanged,
)
from bookstore_testing.kit import apply_events
from inventory_service.domain.exceptions import RetryLater
from inventory_service.domain.model import ReservationStatus, StockLevel
from inventory_service.entrypoints.consumers import HANDLERS
from inventory_service.service_layer import handlers


def handle(uow, *events):
    """Apply events through the registry as the consumer does; what the unit of work published."""
    apply_events(HANDLERS.bind(), uow, *events)
    return uow.published_payloads()


def book(book_id: int, stock: int | None, version: int | None, cls=BookCreated):
    return cls(book_id=book_id, title="T", author="A", price="9.99", stock=stock,
               stock_version=version)


def test_an_order_whose_items_are_in_stock_takes_them_and_reports_the_new_stock(make_uow, ev):
    uow = make_uow(StockLevel(1, 5, revision=1), StockLevel(2, 1, revision=1))

    emitted = handle(uow, ev.placed(10, (1, 2), (2, 1), (1, 1)))

    # the new stock travels in the reservation: no stock_changed of its own
    assert emitted == [InventoryReserved(order_id=10, items=ev.lines((1, 2), (2, 1), (1, 1)),
                                         stock_after=[BookStock(book_id=1, stock=2, revision=2),
                                                      BookStock(book_id=2, stock=0, revision=2)])]
    assert uow.inventory.reservations[10].status is ReservationStatus.RESERVED


def test_one_short_item_reserves_nothing_and_names_the_short_book(make_uow, ev):
    uow = make_uow(StockLevel(1, 5), StockLevel(2, 1))

    emitted = handle(uow, ev.placed(11, (1, 2), (2, 2)))

    assert emitted == [InventoryRejected(order_id=11, reason="insufficient_stock", book_ids=[2])]
    assert [uow.inventory.levels[b].available for b in (1, 2)] == [5, 1]
    assert uow.inventory.reservations[11].status is ReservationStatus.REJECTED


def test_a_republished_placement_has_no_second_effect(make_uow, ev):
    uow = make_uow(StockLevel(1, 5))

    emitted = handle(uow, ev.placed(12, (1, 1)), ev.placed(12, (1, 1)))

    assert [type(e) for e in emitted] == [InventoryReserved]
    assert emitted[0].stock_after == [BookStock(book_id=1, stock=4, revision=1)]
    assert uow.inventory.levels[1].available == 4


def test_an_order_for_a_book_not_known_yet_is_retried_later_and_changes_nothing(make_uow, ev):
    uow = make_uow()
    with pytest.raises(RetryLater), uow:
        handlers.reserve_order(ev.placed(13, (9, 1)), uow=uow)
    assert uow.published == [] and uow.inventory.reservations == {}


def test_cancelling_a_reserved_order_gives_its_stock_back_exactly_once(make_uow, ev):
    uow = make_uow(StockLevel(1, 5, revision=1))
    handle(uow, ev.placed(14, (1, 3)))

    emitted = handle(uow, ev.cancelled(14, (1, 3)), ev.cancelled(14, (1, 3)))

    assert emitted[1:] == [InventoryReleased(order_id=14, items=ev.lines((1, 3))),
                           StockChanged(book_id=1, stock=5, revision=3)]
    assert uow.inventory.levels[1].available == 5
    assert uow.inventory.reservations[14].status is ReservationStatus.RELEASED


def test_a_placement_after_its_cancellation_is_rejected_and_keeps_the_stock(make_uow, ev):
    uow = make_uow(StockLevel(1, 5))

    emitted = handle(uow, ev.cancelled(15, (1, 1), previous="PENDING"), ev.placed(15, (1, 1)))

    assert emitted == [InventoryRejected(order_id=15, reason="order_cancelled")]
    assert uow.inventory.levels[1].available == 5
    assert uow.inventory.reservations[15].status is ReservationStatus.CANCELLED


def test_book_stock_follows_the_newest_admin_version_only(make_uow):
    uow = make_uow()

    emitted = handle(uow, book(1, 10, 1), book(1, 3, 3, BookUpdated), book(1, 99, 2, BookUpdated))

    assert [(e.stock, e.stock_version) for e in emitted] == [(10, 1), (3, 3)]
    assert uow.inventory.levels[1].available == 3


def test_an_order_for_a_deleted_book_is_rejected_as_unavailable(make_uow, ev):
    uow = make_uow()

    emitted = handle(uow, book(3, 5, 1), BookDeleted(book_id=3), ev.placed(30, (3, 1)))

    assert emitted[-1] == InventoryRejected(order_id=30, reason="book_unavailable", book_ids=[3])
    assert uow.inventory.levels[3].available == 5


def test_events_emitted_for_an_order_name_it_as_their_cause(make_uow, ev):
    uow = make_uow(StockLevel(1, 5))
    [env] = apply_events(HANDLERS.bind(), uow, ev.placed(16, (1, 1)), producer="order")
    assert {(e.causation_id, e.correlation_id, e.producer) for e in uow.published} == {
        (env.id, env.correlation_id, "inventory")}


def test_the_inventory_queue_is_bound_only_to_the_events_it_handles():
    assert HANDLERS.routing_keys() == ["book.created", "book.deleted", "book.updated",
                                       "order.cancelled", "order.placed"]
