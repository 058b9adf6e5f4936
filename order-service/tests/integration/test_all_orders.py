"""`GET /orders?all=1` (CONTRACT.md, "Orders"): an admin lists everyone's orders, paged, newest
first, optionally of one status; nobody else may."""
from bookstore_shared.events.contracts import InventoryReserved, OrderLine


def test_an_admin_lists_everyones_orders_newest_first_with_paging(harness):
    book = harness.new_book(price="4.00")
    placed = [harness.place(user, {"book_id": book, "quantity": 1}) for user in (50, 51, 52)]
    response = harness.client.get("/orders", params={"all": 1, "limit": 2},
                                  headers=harness.auth(1, admin=True))
    assert response.status_code == 200
    assert [o["id"] for o in response.json()] == placed[:0:-1]
    assert [o["user_id"] for o in response.json()] == [52, 51]
    total = int(response.headers["X-Total-Count"])
    assert total >= 3
    rest = harness.client.get("/orders", params={"all": "true", "limit": 2, "offset": 2},
                              headers=harness.auth(1, admin=True)).json()
    assert rest[0]["id"] == placed[0]


def test_the_status_filter_keeps_only_orders_in_that_status(harness):
    book = harness.new_book(price="2.50")
    waiting = harness.place(53, {"book_id": book, "quantity": 1})
    confirmed = harness.place(54, {"book_id": book, "quantity": 1})
    harness.deliver(InventoryReserved(order_id=confirmed,
                                      items=[OrderLine(book_id=book, quantity=1)]))
    admin = harness.auth(1, admin=True)
    processing = harness.client.get("/orders?all=1&status=PROCESSING", headers=admin)
    ids = [o["id"] for o in processing.json()]
    assert confirmed in ids and waiting not in ids
    assert {o["status"] for o in processing.json()} == {"PROCESSING"}
    assert processing.headers["X-Total-Count"] == str(len(ids))
    own = harness.client.get("/orders?status=PENDING", headers=harness.auth(53)).json()
    assert [o["id"] for o in own] == [waiting]


def test_a_user_asking_for_everyones_orders_is_refused(harness):
    harness.place(55, {"book_id": harness.new_book(), "quantity": 1})
    response = harness.client.get("/orders?all=1", headers=harness.auth(56))
    assert (response.status_code, response.json()) == (403, {"message": "Admin access required"})
    assert harness.client.get("/orders?all=0", headers=harness.auth(56)).json() == []


def test_an_unknown_status_is_400(harness):
    response = harness.client.get("/orders?all=1&status=LOST", headers=harness.auth(1, admin=True))
    assert response.status_code == 400 and "status" in response.json()["error"]
