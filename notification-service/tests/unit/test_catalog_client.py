"""The catalog client's PDF cache, against a scripted catalog (httpx's mock transport): the
catalog decides with ETags which copy is current; the client never serves one it did not
confirm."""
from __future__ import annotations

import httpx
from notification_service.adapters import catalog as catalog_module
from notification_service.adapters.catalog import CatalogClient


class Catalog:
    """Serves one PDF per book with its ETag; 304 when asked for the copy it names."""

    def __init__(self, cache_control: str | None = None):
        self.files: dict[int, tuple[str, bytes]] = {}
        self.asked: list[tuple[int, str | None, int]] = []
        self.fresh = {"Cache-Control": cache_control} if cache_control else {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        book_id = int(request.url.path.split("/")[3])
        condition = request.headers.get("if-none-match")
        if book_id not in self.files:
            response = httpx.Response(404)
        else:
            etag, data = self.files[book_id]
            response = httpx.Response(304, headers={"ETag": etag, **self.fresh}) \
                if condition == etag else httpx.Response(200, content=data, headers={
                    "ETag": etag, **self.fresh,
                    "Content-Disposition": f'attachment; filename="book-{book_id}.pdf"'})
        self.asked.append((book_id, condition, response.status_code))
        return response


def client_of(catalog: Catalog, **kwargs) -> CatalogClient:
    return CatalogClient("http://catalog", transport=httpx.MockTransport(catalog), **kwargs)


def test_a_kept_pdf_is_confirmed_with_its_etag_and_a_replaced_one_fetched_anew():
    catalog = Catalog()
    catalog.files[1] = ('"a.pdf"', b"%PDF first")
    client = client_of(catalog)

    assert client.fetch_pdf(1).data == b"%PDF first"
    assert client.fetch_pdf(1).data == b"%PDF first"
    catalog.files[1] = ('"b.pdf"', b"%PDF second")
    assert client.fetch_pdf(1).data == b"%PDF second"
    del catalog.files[1]
    assert client.fetch_pdf(1) is None

    assert catalog.asked == [(1, None, 200), (1, '"a.pdf"', 304), (1, '"a.pdf"', 200),
                             (1, '"b.pdf"', 404)]


def test_the_cache_keeps_the_most_recently_used_pdfs_within_its_size():
    catalog = Catalog()
    for book_id in range(1, 6):
        catalog.files[book_id] = (f'"{book_id}.pdf"', bytes([book_id]) * 100)
    catalog.files[6] = ('"6.pdf"', b"6" * 101)
    client = client_of(catalog, cache_bytes=400)  # four 100-byte files fit

    for book_id in (1, 2, 3, 4, 1, 5):  # 5 pushes out 2, the least recently used
        client.fetch_pdf(book_id)
    catalog.asked.clear()
    for book_id in (1, 3, 4, 5, 2, 6, 6):
        assert client.fetch_pdf(book_id).data == catalog.files[book_id][1]

    # a file over a quarter of the cache is never kept: it would push out every other
    assert [status for _, _, status in catalog.asked] == [304, 304, 304, 304, 200, 200, 200]


def test_a_copy_is_used_without_asking_within_the_max_age_the_catalog_gave_then_confirmed(
        monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(catalog_module.time, "monotonic", lambda: now[0])
    catalog = Catalog(cache_control="private, max-age=30")
    catalog.files[1] = ('"a.pdf"', b"%PDF first")
    client = client_of(catalog)

    assert client.fetch_pdf(1).data == b"%PDF first"
    now[0] += 29
    catalog.files[1] = ('"b.pdf"', b"%PDF second")
    assert client.fetch_pdf(1).data == b"%PDF first"  # within max-age: not asked
    now[0] += 2
    assert client.fetch_pdf(1).data == b"%PDF second"  # stale: asked, and it was replaced
    now[0] += 10
    assert client.fetch_pdf(1).data == b"%PDF second"
    now[0] += 25
    assert client.fetch_pdf(1).data == b"%PDF second"  # confirmed by a 304: fresh again
    now[0] += 29
    assert client.fetch_pdf(1).data == b"%PDF second"

    assert catalog.asked == [(1, None, 200), (1, '"a.pdf"', 200), (1, '"b.pdf"', 304)]


def test_no_cache_or_no_max_age_means_asking_every_time():
    for control in ("no-cache, max-age=30", None):
        catalog = Catalog(cache_control=control)
        catalog.files[1] = ('"a.pdf"', b"%PDF first")
        client = client_of(catalog)
        for _ in range(3):
            client.fetch_pdf(1)
        assert [status for _, _, status in catalog.asked] == [200, 304, 304]
