"""Reading, listing and cancelling orders: owners, admins and everyone else."""
from bookstore_shared.events.contracts import InventoryReserved, OrderLine, ShipmentUpdated


def new_order(harness, user_id, quantity=1):
    book = harness.new_book(price="3.00")
    return harness.place(user_id, {"book_id": book, "quantity": quantity}), book


def test_another_users_order_is_403_and_an_admin_may_read_it(harness):
    order_id, _ = new_order(harness, 30)
    other = harness.client.get(f"/orders/{order_id}", headers=harness.auth(31))
    assert (other.status_code, other.json()) == (403, {"message": "Unauthorized"})
    assert harness.order(order_id, 99, admin=True)["id"] == order_id


def test_an_unknown_order_is_404(harness):
    response = harness.client.get("/orders/987654321", headers=harness.auth(30))
    assert (response.status_code, response.json()) == (404, {"message": "Order not found"})


def test_reading_an_order_without_a_token_is_401_even_when_unknown(harness):
    assert harness.client.get("/orders/987654321").status_code == 401


def test_the_api_prefix_serves_the_same_routes(harness):
    order_id, _ = new_order(harness, 32)
    response = harness.client.get(f"/api/orders/{order_id}", headers=harness.auth(32))
    assert response.status_code == 200 and response.json()["id"] == order_id


def test_the_list_holds_only_the_callers_orders_newest_first(harness):
    mine = [new_order(harness, 33)[0] for _ in range(3)]
    new_order(harness, 34)
    response = harness.client.get("/orders", headers=harness.auth(33))
    assert response.status_code == 200
    assert [o["id"] for o in response.json()] == mine[::-1]
    assert response.headers["X-Total-Count"] == "3"
    page = harness.client.get("/orders?limit=1&offset=1", headers=harness.auth(33)).json()
    assert [o["id"] for o in page] == [mine[1]]


def test_cancelling_a_pending_order_publishes_order_cancelled(harness):
    order_id, book = new_order(harness, 35, quantity=2)
    response = harness.client.post(f"/orders/{order_id}/cancel", headers=harness.auth(35))
    assert (response.status_code, response.json()) == (
        200, {"message": "Order cancelled successfully", "status": "CANCELLED"})
    order = harness.order(order_id)
    assert (order["status"], order["cancel_reason"]) == ("CANCELLED", "cancelled_by_user")
    [(_, cancelled)] = [e for e in harness.outbox(order_id) if e[0] == "order.cancelled"]
    assert cancelled["previous_status"] == "PENDING" and cancelled["user_id"] == 35
    assert cancelled["items"][0]["book_id"] == book and cancelled["items"][0]["quantity"] == 2


def test_cancelling_a_processing_order_is_allowed(harness):
    order_id, book = new_order(harness, 36)
    harness.deliver(InventoryReserved(order_id=order_id,
                                      items=[OrderLine(book_id=book, quantity=1)]))
    response = harness.client.post(f"/orders/{order_id}/cancel", headers=harness.auth(36))
    assert response.status_code == 200
    assert harness.statuses(order_id) == ["PENDING", "PROCESSING", "CANCELLED"]


def test_cancelling_a_shipped_order_is_400_with_its_status(harness):
    order_id, book = new_order(harness, 37)
    harness.deliver(InventoryReserved(order_id=order_id,
                                      items=[OrderLine(book_id=book, quantity=1)]))
    harness.deliver(ShipmentUpdated(shipment_id=9, order_id=order_id, status="READY"))
    response = harness.client.post(f"/orders/{order_id}/cancel", headers=harness.auth(37))
    assert (response.status_code, response.json()) == (
        400, {"message": "Order cannot be cancelled", "status": "SHIPPED"})
    assert harness.order(order_id)["status"] == "SHIPPED"


def test_cancelling_twice_is_400_and_publishes_one_cancellation(harness):
    order_id, _ = new_order(harness, 38)
    harness.client.post(f"/orders/{order_id}/cancel", headers=harness.auth(38))
    again = harness.client.post(f"/orders/{order_id}/cancel", headers=harness.auth(38))
    assert (again.status_code, again.json()["status"]) == (400, "CANCELLED")
    assert [t for t, _ in harness.outbox(order_id)].count("order.cancelled") == 1


def test_cancelling_another_users_order_is_403_and_changes_nothing(harness):
    order_id, _ = new_order(harness, 39)
    response = harness.client.post(f"/orders/{order_id}/cancel", headers=harness.auth(40))
    assert (response.status_code, response.json()) == (403, {"message": "Unauthorized"})
    assert harness.order(order_id)["status"] == "PENDING"


def test_cancelling_an_unknown_order_is_404(harness):
    response = harness.client.post("/orders/987654321/cancel", headers=harness.auth(39))
    assert response.status_code == 404
