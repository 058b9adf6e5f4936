"""Uploads are checked by their bytes, capped in size, and stored only under generated names."""
from __future__ import annotations

from pathlib import Path

from catalog_service.adapters.orm import BOOK
from catalog_service.adapters.storage import check_key
from sqlalchemy import select

from .conftest import make_pdf, stored_files

FORM = {"title": "Upload", "author": "Tester", "price": "1.00", "stock": "1"}


def _post(client, admin, content: bytes, filename: str = "book.pdf"):
    return client.post("/books", headers=admin, data=FORM,
                       files={"pdf": (filename, content, "application/pdf")})


def _everything(settings) -> set[Path]:
    return stored_files(settings.data_dir)


def test_bytes_that_are_not_a_pdf_are_refused_whatever_the_name(client, admin, settings):
    before = _everything(settings)
    for content in (b"GIF89a not a pdf at all", b"%PDF-1.7\n garbage without any objects",
                    b"<html>%PDF-</html>" * 10):
        r = _post(client, admin, content, "looks-fine.pdf")
        assert r.status_code == 400
        assert r.json()["message"] == "Invalid PDF file"
        assert r.json()["error"]
    assert _everything(settings) == before


def test_an_empty_file_is_refused(client, admin, settings):
    before = _everything(settings)
    r = _post(client, admin, b"")
    assert (r.status_code, r.json()) == (400, {"message": "Invalid PDF file",
                                               "error": "The PDF file is empty"})
    assert _everything(settings) == before


def test_a_file_over_the_limit_is_413_and_leaves_nothing_behind(client, admin, settings):
    before = _everything(settings)
    big = make_pdf() + b"%" * (settings.max_upload_bytes + 10)
    r = _post(client, admin, big)
    assert r.status_code == 413
    assert r.json()["message"] == "File too large"
    # a body announcing more than the limit is refused from its Content-Length alone
    r = client.post("/books", headers={**admin, "Content-Type": "multipart/form-data; boundary=x"},
                    content=b"x" * (settings.max_upload_bytes * 3))
    assert (r.status_code, r.json()["message"]) == (413, "File too large")
    assert _everything(settings) == before


def test_a_file_just_under_the_limit_is_accepted(client, admin, settings):
    pdf = make_pdf()
    padded = pdf + b"\n%" + b"x" * (settings.max_upload_bytes - len(pdf) - 3)
    assert len(padded) < settings.max_upload_bytes
    assert _post(client, admin, padded).status_code == 201


def test_the_clients_filename_is_never_used(client, app, admin, settings):
    root = settings.storage_dir.resolve()
    before = _everything(settings)
    r = _post(client, admin, make_pdf(), "../../etc/passwd")
    assert r.status_code == 201
    with app.state.container.runtime.sessions() as s:
        key = s.execute(select(BOOK.c.pdf_key)
                        .where(BOOK.c.id == r.json()["book_id"])).scalar_one()
    assert check_key(key) == key
    added = _everything(settings) - before
    assert {p.resolve() for p in added} == {root / key}
    assert not any("passwd" in p.name for p in stored_files(settings.data_dir))


def test_a_new_pdf_replaces_the_old_one(client, app, admin, settings, new_book):
    book_id = new_book()
    storage = app.state.container.storage

    def key() -> str:
        with app.state.container.runtime.sessions() as s:
            return s.execute(select(BOOK.c.pdf_key).where(BOOK.c.id == book_id)).scalar_one()

    old = key()
    replacement = make_pdf(4)
    r = client.patch(f"/books/{book_id}", headers=admin,
                     files={"pdf": ("new.pdf", replacement, "application/pdf")})
    assert r.json() == {"message": "Book updated successfully"}
    new = key()
    assert new != old and not storage.exists(old)
    assert storage.path_of(new).read_bytes() == replacement
    r = client.patch(f"/books/{book_id}", headers=admin,
                     files={"pdf": ("bad.pdf", b"not a pdf", "application/pdf")})
    assert r.status_code == 400
    assert key() == new and storage.exists(new)


def test_a_malformed_multipart_body_is_a_clear_400(client, admin):
    r = client.post("/books", headers={**admin, "Content-Type": "multipart/form-data"},
                    content=b"whatever")
    assert r.status_code == 400
    assert r.json()["message"] == "Malformed multipart body"
    r = client.post("/books", headers={**admin, "Content-Type": "text/plain"}, content=b"hi")
    assert r.status_code == 415
