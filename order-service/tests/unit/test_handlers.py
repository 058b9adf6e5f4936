"""Order's event handlers on the fake unit of work: what each event changes and emits."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    BookDeleted,
    BookStock,
    BookUpdated,
    InventoryReserved,
    OrderCancelled,
    OrderConfirmed,
    OrderLine,
    OrderStatusChanged,
)
from bookstore_shared.kit import RetryLater
from order_service.domain.exceptions import OrderNotCancellable
from order_service.domain.model import Order
from order_service.domain.model import OrderLine as Line
from order_service.entrypoints.consumers import HANDLERS
from order_service.service_layer.ordering import Caller, cancel_order


def pending(uow, user_id=20) -> int:
    order = Order(user_id=user_id, lines=[Line(3, 2, Decimal("5.25"), "Saga")])
    return uow.orders.add(order, now=datetime.now(UTC))


def status_of(uow, order_id):
    return uow.orders.orders[order_id].status.value


SAGA_ITEMS = [OrderLine(book_id=3, quantity=2, unit_price=Decimal("5.25"), title="Saga")]


def test_a_reservation_confirms_a_pending_order(uow, ev):
    order_id = pending(uow)

    emitted = ev.deliver(uow, ev.reserved(order_id, (3, 2)))

    # order.confirmed says PROCESSING: no order.status_changed of its own
    assert emitted == [OrderConfirmed(order_id=order_id, user_id=20, items=SAGA_ITEMS)]
    assert status_of(uow, order_id) == "PROCESSING"


def test_a_rejection_cancels_a_pending_order_with_the_inventory_reason(uow, ev):
    order_id = pending(uow)

    emitted = ev.deliver(uow, ev.rejected(order_id))

    assert emitted == [  # which says CANCELLED: no order.status_changed of its own
        OrderCancelled(order_id=order_id, user_id=20, reason="insufficient_stock",
                       previous_status="PENDING", items=SAGA_ITEMS)]
    assert uow.orders.orders[order_id].cancel_reason == "insufficient_stock"


def test_late_and_repeated_reservation_results_change_nothing(uow, ev):
    order_id = pending(uow)
    ev.deliver(uow, ev.reserved(order_id, (3, 2)))

    assert ev.deliver(uow, ev.reserved(order_id, (3, 2)), ev.rejected(order_id)) == []
    assert status_of(uow, order_id) == "PROCESSING"


def test_a_reservation_for_a_cancelled_order_is_left_to_inventory(uow, ev):
    order_id = pending(uow)
    ev.deliver(uow, ev.rejected(order_id, "order_cancelled"))

    assert ev.deliver(uow, ev.reserved(order_id, (3, 2))) == []
    assert status_of(uow, order_id) == "CANCELLED"


def test_an_event_for_an_order_not_known_yet_is_retried_later(uow, ev):
    with pytest.raises(RetryLater), uow:
        HANDLERS.bind().dispatch(Envelope.wrap(ev.reserved(404, (3, 1)), producer="tests"), uow)
    assert uow.published == []


def test_a_ready_shipment_ships_the_order_and_delivered_completes_it(uow, ev):
    order_id = pending(uow)
    ev.deliver(uow, ev.reserved(order_id, (3, 2)))

    emitted = ev.deliver(uow, ev.shipment(order_id, "PREPARING"), ev.shipment(order_id, "READY"),
                         ev.shipment(order_id, "SHIPPED"), ev.shipment(order_id, "DELIVERED"))

    assert emitted == [
        OrderStatusChanged(order_id=order_id, user_id=20, status="SHIPPED",
                           previous_status="PROCESSING"),
        OrderStatusChanged(order_id=order_id, user_id=20, status="DELIVERED",
                           previous_status="SHIPPED")]
    assert status_of(uow, order_id) == "DELIVERED"


def test_cancelling_while_the_shipment_is_ready_wins_and_the_order_never_ships(uow, ev):
    order_id = pending(uow)
    ev.deliver(uow, ev.reserved(order_id, (3, 2)))
    cancel_order(uow, order_id=order_id, caller=Caller(user_id=20))

    assert ev.deliver(uow, ev.shipment(order_id, "READY")) == []
    assert status_of(uow, order_id) == "CANCELLED"
    shipped = [e for e in uow.published_payloads()
               if isinstance(e, OrderStatusChanged) and e.status == "SHIPPED"]
    assert shipped == [], "shipping is never told to send a cancelled order"
    (cancelled,) = [e for e in uow.published_payloads() if isinstance(e, OrderCancelled)]
    assert cancelled.previous_status == "PROCESSING"


def test_a_cancel_after_the_ready_shipment_shipped_the_order_is_refused(uow, ev):
    order_id = pending(uow)
    ev.deliver(uow, ev.reserved(order_id, (3, 2)), ev.shipment(order_id, "READY"))

    with pytest.raises(OrderNotCancellable) as refused:
        cancel_order(uow, order_id=order_id, caller=Caller(user_id=20))

    assert refused.value.status == "SHIPPED"
    assert status_of(uow, order_id) == "SHIPPED"
    assert not [e for e in uow.published_payloads() if isinstance(e, OrderCancelled)]


def test_a_repeated_ready_or_the_shipments_own_shipped_changes_nothing(uow, ev):
    order_id = pending(uow)
    ev.deliver(uow, ev.reserved(order_id, (3, 2)), ev.shipment(order_id, "READY"))

    assert ev.deliver(uow, ev.shipment(order_id, "READY"), ev.shipment(order_id, "SHIPPED")) == []
    assert status_of(uow, order_id) == "SHIPPED"


def test_a_delivery_that_overtook_the_release_applies_both_steps(uow, ev):
    order_id = pending(uow)
    ev.deliver(uow, ev.reserved(order_id, (3, 2)))

    emitted = ev.deliver(uow, ev.shipment(order_id, "DELIVERED"), ev.shipment(order_id, "READY"))

    assert [(e.previous_status, e.status) for e in emitted] == [
        ("PROCESSING", "SHIPPED"), ("SHIPPED", "DELIVERED")]


def test_shipment_updates_that_do_not_move_an_order_are_acked_without_a_transaction(uow, ev):
    dispatcher = HANDLERS.bind()
    acted = {status: dispatcher.acts_on(Envelope.wrap(ev.shipment(404, status),
                                                      producer="shipping"))
             for status in ("PREPARING", "READY", "SHIPPED", "DELIVERED", "CANCELLED")}
    assert acted == {"PREPARING": False, "READY": True, "SHIPPED": False, "DELIVERED": True,
                     "CANCELLED": False}
    assert ev.deliver(uow, ev.shipment(404, "PREPARING"), ev.shipment(404, "SHIPPED"),
                      ev.shipment(404, "CANCELLED")) == []


def test_events_emitted_for_an_order_name_the_handled_event_as_their_cause(uow, ev):
    order_id = pending(uow)
    env = Envelope.wrap(ev.reserved(order_id, (3, 2)), producer="inventory")

    ev.deliver(uow, env)

    assert {(e.causation_id, e.correlation_id, e.producer) for e in uow.published} == {
        (env.id, env.correlation_id, "order")}


def test_the_read_model_keeps_the_newest_book_details_and_a_deletion_is_final(uow, ev):
    created = Envelope.wrap(ev.book_created(1, price="7.50"), producer="catalog")
    newer = Envelope.wrap(BookUpdated(book_id=1, title="New", author="A", price=Decimal("8.00")),
                          producer="catalog")
    older = ev.at(Envelope.wrap(BookUpdated(book_id=1, title="Old", author="A",
                                            price=Decimal("1.00")), producer="catalog"), -60)

    ev.deliver(uow, created, newer, older)
    assert (uow.books.get_many([1])[1].title, uow.books.get_many([1])[1].price) == (
        "New", Decimal("8.00"))

    ev.deliver(uow, BookDeleted(book_id=1), BookUpdated(book_id=1, title="Back", author="A",
                                                        price=Decimal("9.00")))
    assert uow.books.get_many([1])[1].deleted


def test_stock_reports_follow_the_admin_version_then_the_time(uow, ev):
    ev.deliver(uow, ev.book_created(2, stock=5))
    fresh = Envelope.wrap(ev.stock(2, 1, version=2), producer="inventory")
    stale = ev.at(Envelope.wrap(ev.stock(2, 9, version=2), producer="inventory"), -1)

    ev.deliver(uow, fresh, stale, ev.stock(2, 7, version=1))

    assert uow.books.get_many([2])[2].stock == 1


def test_a_reservation_reports_its_books_stock_which_follows_the_same_rules(uow, ev):
    """A reservation carries its books' stock after it (no stock_changed of its own); a report
    of an older admin version changes nothing, as a stock_changed would not."""
    ev.deliver(uow, ev.book_created(3, stock=5), ev.book_created(4, stock=5),
               ev.stock(4, 8, version=2))  # an admin's newer stock for book 4
    order_id = pending(uow)
    reserved = InventoryReserved(order_id=order_id, items=SAGA_ITEMS, stock_after=[
        BookStock(book_id=3, stock=3, stock_version=1, revision=2),
        BookStock(book_id=4, stock=0, stock_version=1, revision=7)])

    emitted = ev.deliver(uow, reserved)

    assert [type(e).__name__ for e in emitted] == ["OrderConfirmed"]
    known = uow.books.get_many([3, 4])
    assert (known[3].stock, known[4].stock) == (3, 8)


def test_handlers_emit_nothing_for_catalog_and_stock_events(uow, ev):
    assert ev.deliver(uow, ev.book_created(3), ev.stock(3, 2), BookDeleted(book_id=3)) == []
    assert uow.commits == 3


def test_the_order_queue_is_bound_only_to_the_events_it_handles():
    """Of the shipment statuses, only READY and DELIVERED reach the queue."""
    assert HANDLERS.routing_keys() == [
        "book.created", "book.deleted", "book.updated", "inventory.rejected",
        "inventory.reserved", "inventory.stock_changed", "shipment.updated.DELIVERED",
        "shipment.updated.READY"]
