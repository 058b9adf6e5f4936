"""The read path's bytes are the body the routes always sent; ETags and If-None-Match."""
import random
from decimal import Decimal

import orjson
from catalog_service.adapters.book_cache import Rendered
from catalog_service.domain.book import Book, Generated
from catalog_service.domain.model import MAX_PRICE, StockState
from catalog_service.entrypoints.reads import CACHE_CONTROL, answer, etag_of, render_book
from catalog_service.entrypoints.schemas import BookRead
from starlette.requests import Request


def book(price: str, description: str | None = None, generated: str | None = None) -> Book:
    return Book(id=3, title="Ünïcode “title”", author="A. Author", price=Decimal(price),
                stock=StockState.new(5), description=description,
                generated=Generated("ready", "s", generated))


def test_rendered_books_are_byte_for_byte_what_the_pydantic_model_gave():
    prices = ["0", "0.01", "0.1", "19.99", "1000000.00", str(MAX_PRICE)]
    rng = random.Random(16)
    prices += [f"{rng.randint(0, 99_999_999) / 100:.2f}" for _ in range(2000)]
    for price in prices:
        for b in (book(price), book(price, "Given."), book(price, None, "Generated.")):
            assert render_book(b) == orjson.dumps(BookRead.of(b).model_dump()), price


def request(if_none_match: str | None = None) -> Request:
    headers = [(b"if-none-match", if_none_match.encode())] if if_none_match else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


def test_a_matching_if_none_match_is_answered_304_with_the_same_validators():
    rendered = Rendered(b"[]", etag_of(b"[]", 0), total=0)
    for condition in (rendered.etag, f'"other", W/{rendered.etag}', "*"):
        response = answer(request(condition), rendered)
        assert response.status_code == 304 and response.body == b""
        assert response.headers["etag"] == rendered.etag
        assert response.headers["cache-control"] == CACHE_CONTROL
        assert response.headers["x-total-count"] == "0"


def test_any_other_condition_gets_the_body():
    rendered = Rendered(b"{}", etag_of(b"{}"))
    for condition in (None, '"other"', "W/\"x\", \"y\""):
        response = answer(request(condition), rendered)
        assert (response.status_code, response.body) == (200, b"{}")
        assert response.headers["etag"] == rendered.etag
        assert response.headers["content-type"] == "application/json"


def test_a_page_s_etag_changes_with_its_total_even_if_its_body_does_not():
    assert etag_of(b"[]", 0) != etag_of(b"[]", 1) != etag_of(b"[]")
