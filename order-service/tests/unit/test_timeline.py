"""Each order's stored timeline, written by the unit of work as it commits: what the order
service emitted for the order, after the event that made it do so."""
import pytest
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import OrderStatusChanged
from order_service.domain.exceptions import AdminRequired, OrderNotFound
from order_service.domain.requests import RequestedItem as R
from order_service.service_layer.ordering import Caller, cancel_order, order_timeline, place_order

ADMIN = Caller(user_id=99, is_admin=True)


def placed(uow, catalog, user_id=1) -> int:
    book = catalog.add(10, price="12.34", title="Dune")
    return place_order(uow, catalog=catalog, user_id=user_id, items=[R(book, 2)]).order_id


def timeline(uow, order_id):
    return [(e.type, e.producer, e.status, e.detail)
            for e in order_timeline(uow, order_id=order_id, caller=ADMIN)]


def from_inventory(payload) -> Envelope:
    return Envelope.wrap(payload, producer="inventory")


def test_a_placed_and_reserved_order_has_its_whole_story_in_order(uow, catalog, ev):
    order_id = placed(uow, catalog)
    reservation = from_inventory(ev.reserved(order_id, (10, 2)))

    ev.deliver(uow, reservation)

    assert timeline(uow, order_id) == [
        ("order.placed", "order", "PENDING", "2 × Dune"),
        ("inventory.reserved", "inventory", "PROCESSING", None),
        ("order.confirmed", "order", "PROCESSING", None)]
    entries = order_timeline(uow, order_id=order_id, caller=ADMIN)
    published = [env for env in uow.published]
    assert [e.event_id for e in entries] == [published[0].id, reservation.id, published[1].id]
    assert entries[1].occurred_at == reservation.occurred_at


def test_a_cancelled_order_ends_with_its_cancel_and_the_reason(uow, catalog, ev):
    order_id = placed(uow, catalog)
    ev.deliver(uow, from_inventory(ev.reserved(order_id, (10, 2))))

    cancel_order(uow, order_id=order_id, caller=Caller(user_id=1))

    assert timeline(uow, order_id)[-1:] == [
        ("order.cancelled", "order", "CANCELLED", "was PROCESSING (cancelled_by_user)")]


def test_a_rejected_reservation_is_kept_with_the_inventory_reason(uow, catalog, ev):
    order_id = placed(uow, catalog)

    ev.deliver(uow, from_inventory(ev.rejected(order_id)))

    assert timeline(uow, order_id)[1:] == [
        ("inventory.rejected", "inventory", "CANCELLED", "insufficient_stock"),
        ("order.cancelled", "order", "CANCELLED", "was PENDING (insufficient_stock)")]


def test_a_delivery_that_overtook_its_shipping_is_kept_once_with_the_status_it_left(
        uow, catalog, ev):
    order_id = placed(uow, catalog)
    ev.deliver(uow, ev.reserved(order_id, (10, 2)))

    ev.deliver(uow, Envelope.wrap(ev.shipment(order_id, "DELIVERED"), producer="shipping"),
               Envelope.wrap(ev.shipment(order_id, "SHIPPED"), producer="shipping"))

    assert timeline(uow, order_id)[3:] == [
        ("shipment.updated", "shipping", "DELIVERED", "shipment 1 DELIVERED"),
        ("order.status_changed", "order", "SHIPPED", "was PROCESSING"),
        ("order.status_changed", "order", "DELIVERED", "was SHIPPED")]


def test_events_that_move_no_order_leave_no_trace(uow, catalog, ev):
    order_id = placed(uow, catalog)
    ev.deliver(uow, ev.reserved(order_id, (10, 2)))
    before = timeline(uow, order_id)

    ev.deliver(uow, ev.reserved(order_id, (10, 2)), ev.rejected(order_id),
               ev.book_created(11), ev.stock(10, 3))

    assert timeline(uow, order_id) == before


def test_nothing_is_recorded_unless_the_unit_of_work_commits(uow, catalog):
    order_id = placed(uow, catalog)
    with uow:
        uow.emit(OrderStatusChanged(order_id=order_id, user_id=1, status="PROCESSING"))
    with uow:
        uow.commit()

    assert len(timeline(uow, order_id)) == 1


def test_only_admins_read_a_timeline_and_an_unknown_order_is_not_found(uow, catalog):
    order_id = placed(uow, catalog, user_id=1)

    with pytest.raises(AdminRequired):
        order_timeline(uow, order_id=order_id, caller=Caller(user_id=1))
    with pytest.raises(OrderNotFound):
        order_timeline(uow, order_id=order_id + 1, caller=ADMIN)
