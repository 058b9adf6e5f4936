"""Order bodies: the three accepted shapes, merging, and every kind of bad quantity."""
import pytest
from order_service.domain.exceptions import InvalidOrderRequest
from order_service.domain.requests import RequestedItem as R
from order_service.domain.requests import parse_order_request


def test_the_seed_body_is_one_line():
    assert parse_order_request({"book_id": 4, "quantity": 2}) == [R(4, 2)]


def test_the_seed_body_without_quantity_orders_one_copy():
    assert parse_order_request({"book_id": 4}) == [R(4, 1)]


def test_an_integer_items_with_a_book_id_is_the_quantity():
    assert parse_order_request({"book_id": 4, "items": 3}) == [R(4, 3)]


def test_a_list_of_items_with_a_top_level_book_id_fills_missing_book_ids():
    assert parse_order_request({"book_id": 4, "items": [{"quantity": 2},
                                                        {"book_id": 5, "quantity": 1}]}) == [
        R(4, 2), R(5, 1)]


def test_a_multi_item_body_merges_duplicate_books_in_first_seen_order():
    body = {"items": [{"book_id": 2, "quantity": 1}, {"book_id": 1, "quantity": 2},
                      {"book_id": 2, "quantity": 4}]}
    assert parse_order_request(body) == [R(2, 5), R(1, 2)]


def test_a_hundred_lines_are_accepted():
    body = {"items": [{"book_id": i, "quantity": 1} for i in range(1, 101)]}
    assert len(parse_order_request(body)) == 100


@pytest.mark.parametrize("quantity", [0, -1, -1000, 1001, 10**12, 2**70, 1.5, 2.0, "2", "two",
                                      True, False, None, [], {}])
def test_a_bad_quantity_is_refused_in_every_shape(quantity):
    for body in ({"book_id": 1, "quantity": quantity}, {"book_id": 1, "items": quantity},
                 {"items": [{"book_id": 1, "quantity": quantity}]}):
        with pytest.raises(InvalidOrderRequest):
            parse_order_request(body)


def test_the_quantity_error_says_what_is_expected():
    with pytest.raises(InvalidOrderRequest, match="quantity must be an integer between 1 and 1000"):
        parse_order_request({"book_id": 1, "quantity": 0})


@pytest.mark.parametrize("book_id", [0, -3, "1", 1.0, True, None, 2**64, [1]])
def test_a_bad_book_id_is_refused(book_id):
    with pytest.raises(InvalidOrderRequest, match="book_id"):
        parse_order_request({"items": [{"book_id": book_id, "quantity": 1}]})


@pytest.mark.parametrize("body", [
    None, [], "order", 5, {}, {"quantity": 2}, {"items": []}, {"items": None},
    {"items": "3", "book_id": 1}, {"items": [1, 2]}, {"items": [{"book_id": 1}]},
    {"items": 3}, {"items": [{"book_id": i, "quantity": 1} for i in range(1, 102)]},
])
def test_malformed_bodies_are_refused(body):
    with pytest.raises(InvalidOrderRequest):
        parse_order_request(body)


def test_merged_quantities_over_the_limit_are_refused():
    with pytest.raises(InvalidOrderRequest, match="at most 1000"):
        parse_order_request({"items": [{"book_id": 1, "quantity": 600},
                                       {"book_id": 1, "quantity": 401}]})
