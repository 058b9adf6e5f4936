"""Placing, cancelling and reading orders on the fake unit of work and catalog."""
from decimal import Decimal

import pytest
from bookstore_shared.events.contracts import (
    BookDeleted,
    OrderCancelled,
    OrderPlaced,
)
from order_service.adapters.catalog import CatalogUnavailable
from order_service.adapters.repository import ConcurrentModification
from order_service.domain.exceptions import (
    AdminRequired,
    BookNotFound,
    IdempotencyConflict,
    InsufficientStock,
    NotOrderOwner,
    OrderNotCancellable,
)
from order_service.domain.requests import RequestedItem as R
from order_service.service_layer.ordering import (
    Caller,
    cancel_order,
    get_order,
    list_orders,
    place_order,
)


def place(uow, catalog, *items, user_id=1, key=None):
    return place_order(uow, catalog=catalog, user_id=user_id, items=list(items),
                       idempotency_key=key).order_id


def test_an_order_is_priced_by_the_catalog_and_emits_its_placement(uow, catalog):
    book = catalog.add(10, price="12.34", title="Dune")

    order_id = place(uow, catalog, R(book, 2))

    [placed] = uow.published_payloads()  # which says PENDING: no order.status_changed
    assert isinstance(placed, OrderPlaced) and placed.order_id == order_id
    assert [(i.book_id, i.quantity, i.unit_price, i.title) for i in placed.items] == [
        (book, 2, Decimal("12.34"), "Dune")]
    assert uow.orders.orders[order_id].total == Decimal("24.68")
    assert uow.books.get_many([book])[book].title == "Dune"  # remembered for the next order


def test_a_book_the_read_model_knows_is_priced_without_asking_the_catalog(uow, catalog, ev):
    ev.deliver(uow, ev.book_created(11, price="7.50"))

    order_id = place(uow, catalog, R(11, 1))

    assert uow.orders.orders[order_id].lines[0].unit_price == Decimal("7.50")
    assert catalog.asked == []


def test_an_unknown_or_deleted_book_is_not_found_and_stores_nothing(uow, catalog, ev):
    ev.deliver(uow, ev.book_created(12), BookDeleted(book_id=12))
    for book in (404, 12):
        with pytest.raises(BookNotFound):
            place(uow, catalog, R(book, 1))
    assert uow.orders.orders == {} and uow.published == []


def test_short_known_stock_is_refused_only_if_the_catalog_confirms_it(uow, catalog, ev):
    ev.deliver(uow, ev.book_created(13, stock=5), ev.stock(13, 1, version=2))
    catalog.add(13, stock=1, stock_version=2)
    with pytest.raises(InsufficientStock):
        place(uow, catalog, R(13, 2))

    catalog.add(13, stock=3, stock_version=3)  # a restock the events have not brought yet
    assert place(uow, catalog, R(13, 2))


def test_the_catalog_being_down_refuses_unknown_books_but_trusts_known_stock(uow, catalog, ev):
    catalog.down = True
    with pytest.raises(CatalogUnavailable):
        place(uow, catalog, R(14, 1))
    ev.deliver(uow, ev.book_created(15, stock=0))
    with pytest.raises(InsufficientStock):
        place(uow, catalog, R(15, 1))


def test_an_idempotency_key_replays_the_same_order_and_refuses_a_different_body(uow, catalog):
    book = catalog.add(16)
    first = place(uow, catalog, R(book, 1), key="k-1")

    assert place(uow, catalog, R(book, 1), key="k-1") == first
    assert place(uow, catalog, R(book, 1), key="k-1", user_id=2) != first  # keys are per user
    with pytest.raises(IdempotencyConflict):
        place(uow, catalog, R(book, 2), key="k-1")
    assert [type(e) for e in uow.published_payloads()].count(OrderPlaced) == 2


def test_a_key_refused_for_stock_is_refused_again_even_after_a_restock(uow, catalog):
    """One key, one answer: an earlier request of the key still on its way when its retry was
    refused (the client stopped retrying) must not place an order after all."""
    book = catalog.add(18, stock=0)
    with pytest.raises(InsufficientStock):
        place(uow, catalog, R(book, 1), key="k-short")
    catalog.add(book, stock=5)

    with pytest.raises(InsufficientStock):
        place(uow, catalog, R(book, 1), key="k-short")
    assert place(uow, catalog, R(book, 1), key="k-new")  # another key is another request
    with pytest.raises(IdempotencyConflict):  # a refused key is still a key of that request
        place(uow, catalog, R(book, 2), key="k-short")
    assert [type(e) for e in uow.published_payloads()].count(OrderPlaced) == 1


def test_cancelling_emits_the_cancellation_once_and_a_second_cancel_is_refused(uow, catalog):
    order_id = place(uow, catalog, R(catalog.add(17), 2), user_id=35)
    before = len(uow.published)

    order = cancel_order(uow, order_id=order_id, caller=Caller(35))

    assert (order.status.value, order.cancel_reason) == ("CANCELLED", "cancelled_by_user")
    cancelled = uow.published_payloads()[before]
    assert isinstance(cancelled, OrderCancelled) and cancelled.previous_status == "PENDING"
    with pytest.raises(OrderNotCancellable):
        cancel_order(uow, order_id=order_id, caller=Caller(35))
    assert [type(e) for e in uow.published_payloads()].count(OrderCancelled) == 1


def test_a_cancel_that_loses_a_race_is_retried_from_a_fresh_read(uow, catalog):
    order_id = place(uow, catalog, R(catalog.add(18), 1), user_id=36)
    uow.orders.conflicts = 2

    assert cancel_order(uow, order_id=order_id, caller=Caller(36)).status.value == "CANCELLED"
    assert uow.orders.conflicts == 0


def test_a_cancel_that_keeps_losing_gives_up_with_the_conflict(uow, catalog):
    order_id = place(uow, catalog, R(catalog.add(19), 1), user_id=37)
    uow.orders.conflicts = 5

    with pytest.raises(ConcurrentModification):
        cancel_order(uow, order_id=order_id, caller=Caller(37))
    assert uow.orders.orders[order_id].status.value == "PENDING"


def test_only_the_owner_or_an_admin_reads_or_cancels_an_order(uow, catalog):
    order_id = place(uow, catalog, R(catalog.add(20), 1), user_id=38)
    with pytest.raises(NotOrderOwner):
        get_order(uow, order_id=order_id, caller=Caller(39))
    with pytest.raises(NotOrderOwner):
        cancel_order(uow, order_id=order_id, caller=Caller(39))
    assert get_order(uow, order_id=order_id, caller=Caller(1, is_admin=True)).id == order_id


def test_everyones_orders_are_for_admins_only(uow, catalog):
    book = catalog.add(21)
    mine = [place(uow, catalog, R(book, 1), user_id=40) for _ in range(2)]
    place(uow, catalog, R(book, 1), user_id=41)

    orders, total = list_orders(uow, caller=Caller(40), limit=10, offset=0)
    assert ([o.id for o in orders], total) == (mine[::-1], 2)
    assert list_orders(uow, caller=Caller(1, is_admin=True), limit=10, offset=0,
                       everyone=True)[1] == 3
    with pytest.raises(AdminRequired):
        list_orders(uow, caller=Caller(40), limit=10, offset=0, everyone=True)
