"""The catalog's internal PDF endpoint (the file travels over HTTP, never via a shared disk)."""
from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from bookstore_shared import telemetry


class PdfUnavailable(Exception):
    """The catalog could not serve the PDF right now (retry later)."""


@dataclass(frozen=True)
class BookPdf:
    data: bytes
    filename: str | None = None


_FILENAME = re.compile(r'filename="?([^";]+)"?')


class CatalogClient:
    """Fetches `GET {catalog}/internal/books/{id}/pdf`; None when the book has no PDF (404)."""

    def __init__(self, base_url: str, *, timeout_s: float = 30.0,
                 transport: httpx.BaseTransport | None = None,
                 headers: dict[str, str] | None = None):
        # One pooled client: a client per request would build a TLS context and open a
        # connection for every email.
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s,
                                    transport=transport, headers=headers)
        telemetry.instrument_httpx(self._client, "notification")

    def fetch_pdf(self, book_id: int) -> BookPdf | None:
        try:
            response = self._client.get(f"/internal/books/{book_id}/pdf")
        except httpx.HTTPError as exc:
            raise PdfUnavailable(f"catalog unreachable: {type(exc).__name__}") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise PdfUnavailable(f"catalog answered {response.status_code}")
        match = _FILENAME.search(response.headers.get("content-disposition", ""))
        return BookPdf(response.content, match.group(1) if match else None)

    def close(self) -> None:
        self._client.close()
