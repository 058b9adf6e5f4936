"""The book endpoints of CONTRACT.md against the real MySQL and RabbitMQ."""
from __future__ import annotations

import uuid
from decimal import Decimal

from bookstore_shared.internal import internal_headers
from catalog_service.adapters.orm import BOOK
from sqlalchemy import select

from .conftest import make_pdf

BOOK_KEYS = {"id", "title", "author", "price", "stock", "description"}


def test_anyone_can_list_and_read_a_book_with_the_seeds_fields(client, new_book):
    book_id = new_book(title="Dune", author="Frank Herbert", price="19.99", stock="10",
                       description="Spice and sand.")
    listed = client.get("/books", params={"limit": 200})
    assert listed.status_code == 200
    item = next(b for b in listed.json() if b["id"] == book_id)
    assert item == {"id": book_id, "title": "Dune", "author": "Frank Herbert", "price": 19.99,
                    "stock": 10, "description": "Spice and sand."}
    one = client.get(f"/books/{book_id}")
    assert one.status_code == 200
    assert one.json() == item
    assert client.get(f"/api/books/{book_id}").json() == item


def test_adding_a_book_answers_201_with_its_id_and_stores_the_price_exactly(client, app,
                                                                            admin):
    r = client.post("/books", headers=admin,
                    data={"title": "Exact", "author": "Money", "price": "0.10", "stock": "3"},
                    files={"pdf": ("x.pdf", make_pdf(), "application/pdf")})
    assert r.status_code == 201
    assert r.json()["message"] == "Book added successfully"
    book_id = r.json()["book_id"]
    with app.state.container.runtime.sessions() as s:
        price = s.execute(select(BOOK.c.price).where(BOOK.c.id == book_id)).scalar_one()
    assert price == Decimal("0.10")
    assert client.get(f"/books/{book_id}").json()["price"] == 0.1


def test_writes_need_a_token_and_an_admin(client, user, new_book):
    book_id = new_book()
    form = {"title": "T", "author": "A", "price": "1", "stock": "1"}
    files = {"pdf": ("b.pdf", make_pdf(), "application/pdf")}
    assert client.post("/books", data=form, files=files).json() == {
        "message": "Authentication required"}
    for call in (lambda h: client.post("/books", data=form, files=files, headers=h),
                 lambda h: client.patch(f"/books/{book_id}", data={"stock": "1"}, headers=h),
                 lambda h: client.delete(f"/books/{book_id}", headers=h),
                 lambda h: client.post(f"/books/{book_id}/summary", headers=h)):
        anonymous = call({})
        assert anonymous.status_code == 401
        forbidden = call(user)
        assert forbidden.status_code == 403
        assert forbidden.json() == {"message": "Admin access required"}
    assert client.get(f"/books/{book_id}").json()["stock"] == 10


def test_a_book_without_every_required_field_is_refused(client, admin):
    full = {"title": "T", "author": "A", "price": "1.00", "stock": "1"}
    pdf = {"pdf": ("b.pdf", make_pdf(), "application/pdf")}
    before = client.get("/books", params={"limit": 1}).headers["X-Total-Count"]
    for missing in ("title", "author", "price", "stock"):
        form = {k: v for k, v in full.items() if k != missing}
        r = client.post("/books", headers=admin, data=form, files=pdf)
        assert r.status_code == 400
        assert r.json()["message"] == "Missing required fields"
        assert missing in r.json()["error"]
    r = client.post("/books", headers=admin, data=full)
    assert (r.status_code, r.json()["message"]) == (400, "Missing required fields")
    r = client.post("/books", headers=admin, data={**full, "title": "   "}, files=pdf)
    assert (r.status_code, r.json()["message"]) == (400, "Missing required fields")
    assert client.get("/books", params={"limit": 1}).headers["X-Total-Count"] == before


def test_bad_prices_and_stock_are_refused_with_a_clear_error(client, admin):
    pdf = {"pdf": ("b.pdf", make_pdf(), "application/pdf")}
    cases = {("-1", "1"): "negative", ("abc", "1"): "number", ("1.999", "1"): "two decimals",
             ("1e99", "1"): "exceed", ("5", "-3"): "negative", ("5", "2.5"): "whole number",
             ("5", "lots"): "whole number", ("5", "999999999"): "exceed"}
    for (price, stock), reason in cases.items():
        r = client.post("/books", headers=admin, files=pdf,
                        data={"title": "T", "author": "A", "price": price, "stock": stock})
        assert r.status_code == 400, (price, stock)
        assert reason in r.json()["error"], r.json()


def test_an_unknown_book_is_404_everywhere(client, admin, user):
    for path in ("/books/987654321", "/api/books/987654321"):
        assert client.get(path).json() == {"message": "Book not found"}
    assert client.get("/books/0").status_code == 404
    assert client.patch("/books/987654321", headers=admin, data={"stock": "1"}).json() == {
        "message": "Book not found"}
    r = client.delete("/books/987654321", headers=admin)
    assert (r.status_code, r.json()) == (404, {"message": "Book not found"})
    for sub in ("summary", "description", "pdf"):
        assert client.get(f"/books/987654321/{sub}", headers=user).status_code == 404
        anonymous = client.get(f"/books/987654321/{sub}")
        assert anonymous.status_code == 401  # authentication before existence
    assert client.post("/books/987654321/summary", headers=admin).status_code == 404


def test_books_are_paged_and_searched_with_a_total_count(client, new_book):
    tag = uuid.uuid4().hex[:8]
    ids = [new_book(title=f"Saga {tag} {n}", author=f"Writer {tag}") for n in range(3)]
    other = new_book(title=f"Other {tag}", author="Someone Else")
    r = client.get("/books", params={"q": tag.upper()})
    assert r.headers["X-Total-Count"] == "4"
    assert [b["id"] for b in r.json()] == [*ids, other]
    r = client.get("/books", params={"author": f"writer {tag}", "limit": 2, "offset": 1})
    assert r.headers["X-Total-Count"] == "3"
    assert [b["id"] for b in r.json()] == ids[1:]
    percent = new_book(title=f"100% {tag}", author="Pct")
    assert [b["id"] for b in client.get("/books", params={"q": f"0% {tag}"}).json()] == [percent]
    assert client.get("/books", params={"q": f"_{tag}"}).headers["X-Total-Count"] == "0"
    for bad in ({"limit": 0}, {"limit": 201}, {"limit": "x"}, {"offset": -1}):
        r = client.get("/books", params=bad)
        assert r.status_code == 400
        assert r.json()["message"] == "Invalid request"


def test_a_patched_stock_is_what_the_next_get_shows(client, admin, new_book):
    book_id = new_book(stock="10")
    r = client.patch(f"/books/{book_id}", headers=admin, data={"stock": "42"})
    assert r.json() == {"message": "Book updated successfully"}
    assert client.get(f"/books/{book_id}").json()["stock"] == 42
    r = client.patch(f"/api/books/{book_id}", headers=admin, json={"price": 7.25, "title": "New"})
    assert r.status_code == 200
    body = client.get(f"/books/{book_id}").json()
    assert (body["title"], body["price"], body["stock"]) == ("New", 7.25, 42)


def test_a_patch_with_nothing_or_bad_values_changes_nothing(client, admin, new_book):
    book_id = new_book(price="3.00")
    assert client.patch(f"/books/{book_id}", headers=admin, data={}).status_code == 400
    r = client.patch(f"/books/{book_id}", headers=admin, data={"price": "-2"})
    assert r.status_code == 400
    assert client.get(f"/books/{book_id}").json()["price"] == 3.0


def test_deleting_a_book_removes_it_and_its_pdf(client, app, admin, new_book):
    book_id = new_book()
    storage = app.state.container.storage
    with app.state.container.runtime.sessions() as s:
        key = s.execute(select(BOOK.c.pdf_key).where(BOOK.c.id == book_id)).scalar_one()
    assert storage.exists(key)
    r = client.delete(f"/books/{book_id}", headers=admin)
    assert r.json() == {"message": "Book deleted successfully"}
    assert client.get(f"/books/{book_id}").status_code == 404
    assert not storage.exists(key)


def test_the_internal_view_gives_the_exact_price_as_a_string(client, new_book, settings):
    book_id = new_book(price="12.30", stock="4")
    assert client.get(f"/internal/books/{book_id}").status_code == 401  # no service credential
    internal = internal_headers(settings)
    assert client.get(f"/internal/books/{book_id}", headers=internal).json() == {
        "id": book_id, "title": "Dune", "author": "Frank Herbert", "price": "12.30",
        "stock": 4, "stock_version": 1}
    assert client.get(f"/api/internal/books/{book_id}").status_code == 404
    assert "/internal/books/{book_id}" not in client.get("/openapi.json").json()["paths"]


def test_the_internal_pdf_answers_304_to_the_copy_it_names_and_a_replaced_pdf_anew(
        client, admin, new_book, settings):
    first, second = make_pdf(pages=1), make_pdf(pages=2)
    book_id = new_book(pdf=first)
    internal = internal_headers(settings)
    r = client.get(f"/internal/books/{book_id}/pdf", headers=internal)
    assert r.status_code == 200 and r.content == first
    etag = r.headers["etag"]
    # the caller may use its copy this long without asking (BOOKSTORE_PDF_MAX_AGE_S)
    assert r.headers["cache-control"] == f"private, max-age={settings.pdf_max_age_s}"

    again = client.get(f"/internal/books/{book_id}/pdf", headers={**internal,
                                                                  "If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert again.headers["cache-control"] == r.headers["cache-control"]

    r = client.patch(f"/books/{book_id}", headers=admin,
                     files={"pdf": ("new.pdf", second, "application/pdf")})
    assert r.status_code == 200, r.text
    replaced = client.get(f"/internal/books/{book_id}/pdf", headers={**internal,
                                                                     "If-None-Match": etag})
    assert replaced.status_code == 200 and replaced.content == second
    assert replaced.headers["etag"] != etag
