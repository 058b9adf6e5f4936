"""The catalog's read path through the gateway: validators pass untouched, writes show at once."""
from __future__ import annotations

import uuid

import httpx

from .test_books import make_pdf


def test_the_gateway_passes_etags_and_304s_through_untouched(system, admin_headers):
    # A description of its own: a generated one would change the book between two reads.
    needle = uuid.uuid4().hex[:10]
    r = system.client.post("/books", headers=admin_headers, data={
        "title": f"Validators {needle}", "author": "Ann Author", "price": "4.20", "stock": "3",
        "description": "Kept as written."},
        files={"pdf": ("b.pdf", make_pdf(1), "application/pdf")})
    assert r.status_code == 201, r.text
    book_id = r.json()["book_id"]
    catalog = system.service_url("catalog")
    for path in (f"/books/{book_id}", f"/books?q={needle}"):
        direct = httpx.get(catalog + path)
        via = system.client.get(path)
        assert via.status_code == 200 and via.content == direct.content
        for header in ("etag", "cache-control", "content-type"):
            assert via.headers[header] == direct.headers[header], header
        assert via.headers.get("x-total-count") == direct.headers.get("x-total-count")
        again = system.client.get(path, headers={"If-None-Match": via.headers["etag"]})
        assert (again.status_code, again.content) == (304, b"")
        assert again.headers["etag"] == via.headers["etag"]
        assert again.headers["cache-control"] == "public, no-cache"
    assert system.client.get(f"/books/{book_id}").json() == {
        "id": book_id, "title": f"Validators {needle}", "author": "Ann Author", "price": 4.2,
        "stock": 3, "description": "Kept as written."}


def test_an_admins_patch_is_visible_to_the_same_client_at_once(system, admin_headers):
    needle = uuid.uuid4().hex[:10]
    r = system.client.post("/books", headers=admin_headers, data={
        "title": f"Patched {needle}", "author": "Ann Author", "price": "10", "stock": "5"},
        files={"pdf": ("b.pdf", make_pdf(1), "application/pdf")})
    assert r.status_code == 201, r.text
    book_id = r.json()["book_id"]
    for n in range(1, 8):
        before = system.client.get(f"/books/{book_id}")  # cached from here on
        assert system.client.get("/books", params={"q": needle}).json()[0]["stock"] == 4 + n
        r = system.client.patch(f"/books/{book_id}", headers=admin_headers,
                                data={"stock": str(5 + n), "price": f"{10 + n}.50"})
        assert r.status_code == 200, r.text
        after = system.client.get(f"/books/{book_id}",
                                  headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200
        # the generated description may arrive meanwhile (the ai service), nothing else
        assert {**after.json(), "description": None} == {
            **before.json(), "stock": 5 + n, "price": 10 + n + 0.5, "description": None}
        listed = system.client.get("/books", params={"q": needle}).json()
        assert [(b["stock"], b["price"]) for b in listed] == [(5 + n, 10 + n + 0.5)]

