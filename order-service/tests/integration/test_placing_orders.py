"""Placing orders on the real MySQL: shapes, prices, errors, stock and Idempotency-Key."""
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import BookCreated, BookDeleted, StockChanged
from bookstore_testing import wait_for
from order_service.adapters.orm import idempotency_record
from order_service.domain.idempotency import fingerprint
from order_service.domain.requests import RequestedItem
from sqlalchemy import insert


def placed_items(harness, order_id):
    [(_, data)] = [e for e in harness.outbox(order_id) if e[0] == "order.placed"]
    return data["items"]


def test_the_seed_body_places_a_pending_order_priced_by_the_catalog(harness):
    book = harness.new_book(price="12.34", title="Dune")
    response = harness.client.post("/orders", json={"book_id": book, "quantity": 2,
                                                    "price": "0.01"}, headers=harness.auth(1))
    assert response.status_code == 201
    body = response.json()
    assert body["message"] == "Order placed successfully"
    order = harness.order(body["order_id"], 1, admin=False)
    assert order["status"] == "PENDING"
    assert order["items"] == [{"book_id": book, "quantity": 2, "unit_price": 12.34,
                               "title": "Dune"}]
    assert order["total"] == 24.68 and order["cancel_reason"] is None
    assert placed_items(harness, body["order_id"]) == [
        {"book_id": book, "quantity": 2, "unit_price": "12.34", "title": "Dune"}]
    assert harness.statuses(body["order_id"]) == ["PENDING"]


def test_the_original_items_count_shape_places_that_many_copies(harness):
    book = harness.new_book()
    order_id = harness.place(2, {"book_id": book, "items": 3})
    assert [(i["book_id"], i["quantity"]) for i in placed_items(harness, order_id)] == [(book, 3)]


def test_a_multi_item_order_merges_duplicates_and_totals_exactly(harness):
    a, b = harness.new_book(price="0.10"), harness.new_book(price="19.99")
    order_id = harness.place(3, {"items": [{"book_id": a, "quantity": 1},
                                           {"book_id": b, "quantity": 7},
                                           {"book_id": a, "quantity": 2}]})
    order = harness.order(order_id)
    assert [(i["book_id"], i["quantity"]) for i in order["items"]] == [(a, 3), (b, 7)]
    assert order["total"] == 140.23
    assert [(i["book_id"], i["quantity"]) for i in placed_items(harness, order_id)] == [
        (a, 3), (b, 7)]


def test_a_book_known_from_catalog_events_is_priced_without_asking_the_catalog(harness):
    book_id = 990_001
    harness.deliver(BookCreated(book_id=book_id, title="Evented", author="A",
                                price=Decimal("7.50"), stock=5))
    order_id = harness.place(4, {"book_id": book_id, "quantity": 1})
    assert harness.order(order_id)["items"][0]["unit_price"] == 7.5
    assert book_id not in harness.catalog.requests


def test_an_unknown_book_is_404_and_stores_nothing(harness):
    before = len(harness.outbox())
    response = harness.client.post("/orders", json={"book_id": 424242, "quantity": 1},
                                   headers=harness.auth(5))
    assert (response.status_code, response.json()) == (404, {"message": "Book not found"})
    assert len(harness.outbox()) == before


def test_a_deleted_book_cannot_be_ordered(harness):
    book = harness.new_book()
    harness.deliver(BookDeleted(book_id=book))
    response = harness.client.post("/orders", json={"book_id": book, "quantity": 1},
                                   headers=harness.auth(5))
    assert response.status_code == 404


@pytest.mark.parametrize("quantity", [0, -1, 1001, 10**15, 1.5, "2", True, None])
def test_bad_quantities_are_400_with_a_clear_error(harness, quantity):
    book = harness.new_book()
    response = harness.client.post("/orders", json={"book_id": book, "quantity": quantity},
                                   headers=harness.auth(6))
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid order request",
                               "error": "quantity must be an integer between 1 and 1000"}


def test_malformed_json_and_missing_fields_are_400_not_500(harness):
    headers = {**harness.auth(6), "Content-Type": "application/json"}
    assert harness.client.post("/orders", content=b"{nope", headers=headers).status_code == 400
    assert harness.client.post("/orders", json={}, headers=headers).status_code == 400
    assert harness.client.post("/orders", json=[1], headers=headers).status_code == 400


def test_placing_without_a_token_is_401(harness):
    response = harness.client.post("/orders", json={"book_id": 1, "quantity": 1})
    assert response.status_code == 401


def test_stock_known_to_be_short_is_refused_early(harness):
    book = harness.new_book(stock=2)
    harness.deliver(StockChanged(book_id=book, stock=1, stock_version=5))
    harness.catalog.add(book, stock=1)
    response = harness.client.post("/orders", json={"book_id": book, "quantity": 2},
                                   headers=harness.auth(7))
    assert response.status_code == 400
    assert response.json() == {"message": "Insufficient stock",
                               "error": "Order processing failed, try again"}


def test_a_restock_the_events_have_not_brought_yet_is_not_refused(harness):
    book = harness.new_book(stock=0)
    harness.deliver(StockChanged(book_id=book, stock=0, stock_version=1))
    harness.catalog.add(book, stock=3)
    assert harness.place(7, {"book_id": book, "quantity": 3})


def test_the_same_idempotency_key_twice_gives_the_same_order(harness):
    book = harness.new_book()
    first = harness.client.post("/orders", json={"book_id": book, "quantity": 1},
                                headers=harness.auth(8, **{"Idempotency-Key": "k-1"}))
    again = harness.client.post("/orders", json={"items": [{"book_id": book, "quantity": 1}]},
                                headers=harness.auth(8, **{"Idempotency-Key": "k-1"}))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len([e for e in harness.outbox(first.json()["order_id"])
                if e[0] == "order.placed"]) == 1


def test_a_key_reused_with_a_different_body_is_409(harness):
    book = harness.new_book()
    harness.place(9, {"book_id": book, "quantity": 1}, **{"Idempotency-Key": "k-2"})
    response = harness.client.post("/orders", json={"book_id": book, "quantity": 2},
                                   headers=harness.auth(9, **{"Idempotency-Key": "k-2"}))
    assert (response.status_code, response.json()) == (
        409, {"message": "Idempotency-Key reused with a different request"})


def test_keys_belong_to_one_user(harness):
    book = harness.new_book()
    mine = harness.place(10, {"book_id": book, "quantity": 1}, **{"Idempotency-Key": "shared"})
    theirs = harness.place(11, {"book_id": book, "quantity": 1}, **{"Idempotency-Key": "shared"})
    assert mine != theirs


def test_a_key_longer_than_200_characters_is_400(harness):
    book = harness.new_book()
    response = harness.client.post("/orders", json={"book_id": book, "quantity": 1},
                                   headers=harness.auth(12, **{"Idempotency-Key": "k" * 201}))
    assert response.status_code == 400


def test_concurrent_retries_with_one_key_create_one_order(harness):
    book = harness.new_book()
    before = len([e for e in harness.outbox() if e[0] == "order.placed"])

    def post(_):
        return harness.client.post("/orders", json={"book_id": book, "quantity": 1},
                                   headers=harness.auth(13, **{"Idempotency-Key": "race"}))

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, range(8)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["order_id"] for a in answers}) == 1
    assert len([e for e in harness.outbox() if e[0] == "order.placed"]) == before + 1


def test_a_retry_refused_for_stock_while_its_key_is_held_answers_what_the_holder_placed(harness):
    """A request that is placing the order holds its key (its process paused, its client's
    connection cut); the client's retry then finds the stock short. The retry must not answer
    400 for an order that is about to exist: it waits for the key and answers that order."""
    book = harness.new_book(stock=1)
    order_id = harness.place(20, {"book_id": book, "quantity": 1})  # the holder's order
    harness.catalog.add(book, stock=0)
    harness.deliver(StockChanged(book_id=book, stock=0, stock_version=9))
    with harness.sessions() as holder:  # the holder's transaction: key inserted, not committed
        holder.execute(insert(idempotency_record).values(
            user_id=20, idempotency_key="held", order_id=order_id,
            fingerprint=fingerprint([RequestedItem(book, 1)]), created_at=datetime.now(UTC)))
        with ThreadPoolExecutor(1) as pool:
            retry = pool.submit(harness.client.post, "/orders",
                                json={"book_id": book, "quantity": 1},
                                headers=harness.auth(20, **{"Idempotency-Key": "held"}))
            time.sleep(1.0)
            assert not retry.done(), f"answered while the key was held: {retry.result().text}"
            holder.commit()
            answer = retry.result(timeout=30)
    assert (answer.status_code, answer.json()["order_id"]) == (201, order_id)


def test_a_key_refused_for_stock_stays_refused_after_a_restock(harness):
    book = harness.new_book(stock=0)
    harness.deliver(StockChanged(book_id=book, stock=0, stock_version=1))

    def post():
        return harness.client.post("/orders", json={"book_id": book, "quantity": 1},
                                   headers=harness.auth(21, **{"Idempotency-Key": "short"}))

    assert post().status_code == 400
    harness.catalog.add(book, stock=3)
    harness.deliver(StockChanged(book_id=book, stock=3, stock_version=2))
    again = post()
    assert (again.status_code, again.json()) == (400, {
        "message": "Insufficient stock", "error": "Order processing failed, try again"})
    assert harness.place(21, {"book_id": book, "quantity": 1}, **{"Idempotency-Key": "other"})


def test_every_placed_event_reaches_the_bus_after_commit(harness):
    book = harness.new_book()
    order_id = harness.place(14, {"book_id": book, "quantity": 1})
    env: Envelope = wait_for(lambda: next((e for e in harness.published
                                             if e.type == "order.placed"
                                             and e.data["order_id"] == order_id), None))
    assert env.producer == "order" and env.data["user_id"] == 14


def test_older_stock_news_never_overwrites_newer(harness):
    from datetime import timedelta

    book = harness.new_book(stock=10)
    harness.place(15, {"book_id": book, "quantity": 1})  # fetched from the catalog: stock 10
    fresh = Envelope.wrap(StockChanged(book_id=book, stock=1, stock_version=1), producer="test")
    stale = Envelope.wrap(StockChanged(book_id=book, stock=9, stock_version=1), producer="test")
    stale = stale.model_copy(update={"occurred_at": fresh.occurred_at - timedelta(seconds=1)})
    harness.deliver(None, envelope=fresh)
    harness.deliver(None, envelope=stale)
    harness.catalog.add(book, stock=1)
    response = harness.client.post("/orders", json={"book_id": book, "quantity": 2},
                                   headers=harness.auth(15))
    assert response.status_code == 400 and response.json()["message"] == "Insufficient stock"


def test_forty_concurrent_orders_for_a_sold_out_book_are_all_refused_with_the_contract_answer(
        harness):
    """Every refused order re-checks the sold-out book at the catalog and records its answer:
    forty of them writing one read-model row at once must not deadlock into a 5xx."""
    book = harness.new_book(stock=0)
    harness.deliver(StockChanged(book_id=book, stock=0, stock_version=1))

    def post(n):
        return harness.client.post("/orders", json={"book_id": book, "quantity": 1},
                                   headers=harness.auth(100 + n))

    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(post, range(40)))
    assert [(a.status_code, a.json()) for a in answers] == [
        (400, {"message": "Insufficient stock", "error": "Order processing failed, try again"})
    ] * 40
