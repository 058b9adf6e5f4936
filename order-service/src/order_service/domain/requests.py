"""The three accepted order bodies, turned into one list of (book id, quantity) lines."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .exceptions import InvalidOrderRequest

MAX_LINES = 100
MAX_QUANTITY = 1000
MAX_BOOK_ID = 2**63 - 1


@dataclass(frozen=True)
class RequestedItem:
    """A book and how many copies, before pricing."""

    book_id: int
    quantity: int


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _book_id(value: Any, where: str) -> int:
    if value is None:
        raise InvalidOrderRequest(f"{where}book_id is required")
    if not _is_int(value) or not 1 <= value <= MAX_BOOK_ID:
        raise InvalidOrderRequest(f"{where}book_id must be a positive integer")
    return value


def _quantity(value: Any, where: str) -> int:
    if not _is_int(value) or not 1 <= value <= MAX_QUANTITY:
        raise InvalidOrderRequest(
            f"{where}quantity must be an integer between 1 and {MAX_QUANTITY}")
    return value


def _from_list(items: list, default_book_id: Any) -> list[RequestedItem]:
    if not items:
        raise InvalidOrderRequest("items must not be empty")
    if len(items) > MAX_LINES:
        raise InvalidOrderRequest(f"an order has at most {MAX_LINES} items")
    parsed = []
    for index, item in enumerate(items):
        where = f"items[{index}]."
        if not isinstance(item, dict):
            raise InvalidOrderRequest(f"items[{index}] must be an object with book_id and quantity")
        book_id = _book_id(item.get("book_id", default_book_id), where)
        if "quantity" not in item:
            raise InvalidOrderRequest(f"{where}quantity is required")
        parsed.append(RequestedItem(book_id, _quantity(item["quantity"], where)))
    return parsed


def merge(items: list[RequestedItem]) -> list[RequestedItem]:
    """One line per book (quantities added up, first-seen order kept)."""
    totals: dict[int, int] = {}
    for item in items:
        totals[item.book_id] = totals.get(item.book_id, 0) + item.quantity
    for book_id, quantity in totals.items():
        if quantity > MAX_QUANTITY:
            raise InvalidOrderRequest(
                f"quantity of book {book_id} must be at most {MAX_QUANTITY} in total")
    return [RequestedItem(b, q) for b, q in totals.items()]


def parse_order_request(body: Any) -> list[RequestedItem]:
    """`{book_id, quantity}`, `{book_id, items: N | [...]}` or `{items: [...]}` → merged lines."""
    if not isinstance(body, dict):
        raise InvalidOrderRequest("the body must be a JSON object with book_id and quantity, "
                                  "or items")
    if "items" in body:
        items = body["items"]
        if _is_int(items):
            return merge([RequestedItem(_book_id(body.get("book_id"), ""),
                                        _quantity(items, "items as a "))])
        if isinstance(items, list):
            return merge(_from_list(items, body.get("book_id")))
        raise InvalidOrderRequest("items must be a list of {book_id, quantity} or an integer")
    if "book_id" not in body:
        raise InvalidOrderRequest("book_id and quantity (or items) are required")
    return [RequestedItem(_book_id(body["book_id"], ""), _quantity(body.get("quantity", 1), ""))]
