"""Fetches a book's PDF from the catalog's internal endpoint."""
from __future__ import annotations

import httpx
from bookstore_shared import telemetry

from ..domain.exceptions import BookGone, PdfUnavailable

# The catalog may name the PDF it serves; a different key means the job is outdated.
PDF_KEY_HEADER = "X-Pdf-Key"


class CatalogClient:
    """`GET {catalog}/internal/books/{id}/pdf` -> bytes; 404 means the book or PDF is gone."""

    def __init__(self, base_url: str, *, timeout_s: float = 30.0,
                 transport: httpx.BaseTransport | None = None,
                 headers: dict[str, str] | None = None):
        self._client = httpx.Client(base_url=base_url, timeout=timeout_s, transport=transport,
                                    headers=headers)
        telemetry.instrument_httpx(self._client, "ai")

    def fetch_pdf(self, book_id: int, *, pdf_key: str) -> bytes:
        """The PDF bytes of `book_id`; BookGone when 404 or replaced, PdfUnavailable otherwise."""
        try:
            response = self._client.get(f"/internal/books/{book_id}/pdf")
        except httpx.HTTPError as exc:
            raise PdfUnavailable(f"catalog unreachable ({type(exc).__name__})") from None
        if response.status_code == 404:
            raise BookGone(book_id)
        if response.status_code != 200:
            raise PdfUnavailable(f"catalog answered HTTP {response.status_code}")
        served = response.headers.get(PDF_KEY_HEADER)
        if served and served != pdf_key:
            raise BookGone(book_id)
        return response.content

    def close(self) -> None:
        self._client.close()
