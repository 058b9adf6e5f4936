"""The catalog's internal PDF endpoint (the file travels over HTTP, never via a shared disk)."""
from __future__ import annotations

import re
import time
from collections import OrderedDict
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
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age=(\d+)\s*(?:,|$)")


@dataclass
class _Kept:
    etag: str
    pdf: BookPdf
    fresh_until: float  # time.monotonic(): until then the copy is used without asking


def _fresh_until(response: httpx.Response) -> float:
    """Now plus the response's Cache-Control max-age (0 without one, or with no-cache)."""
    control = response.headers.get("cache-control", "").lower()
    match = _MAX_AGE.search(control)
    if match is None or "no-cache" in control or "no-store" in control:
        return 0.0
    return time.monotonic() + int(match.group(1))


class CatalogClient:
    """Fetches `GET {catalog}/internal/books/{id}/pdf`; None when the book has no PDF (404).

    The PDFs of popular books are kept (least recently used out, `cache_bytes` in all) with
    their ETag. Within the `max-age` the catalog answered with (Cache-Control) a kept copy is
    used as it is; after that it is asked for again with `If-None-Match`: the catalog still
    decides which file is current, but answers 304 instead of sending the same file for every
    purchase email. Used by one thread (the mail sender).
    """

    def __init__(self, base_url: str, *, timeout_s: float = 30.0,
                 transport: httpx.BaseTransport | None = None,
                 headers: dict[str, str] | None = None, cache_bytes: int = 64 * 2**20):
        # One pooled client: a client per request would build a TLS context and open a
        # connection for every email.
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s,
                                    transport=transport, headers=headers)
        telemetry.instrument_httpx(self._client, "notification")
        self._cache: OrderedDict[int, _Kept] = OrderedDict()
        self._cache_limit = cache_bytes
        self._cached = 0

    def fetch_pdf(self, book_id: int) -> BookPdf | None:
        kept = self._cache.get(book_id)
        if kept and time.monotonic() < kept.fresh_until:
            self._cache.move_to_end(book_id)
            return kept.pdf
        ask = {"If-None-Match": kept.etag} if kept else None
        try:
            response = self._client.get(f"/internal/books/{book_id}/pdf", headers=ask)
        except httpx.HTTPError as exc:
            raise PdfUnavailable(f"catalog unreachable: {type(exc).__name__}") from exc
        if response.status_code == 304 and kept:
            self._cache.move_to_end(book_id)
            kept.fresh_until = _fresh_until(response)
            return kept.pdf
        self._forget(book_id)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise PdfUnavailable(f"catalog answered {response.status_code}")
        match = _FILENAME.search(response.headers.get("content-disposition", ""))
        pdf = BookPdf(response.content, match.group(1) if match else None)
        etag = response.headers.get("etag")
        if etag:
            self._keep(book_id, _Kept(etag, pdf, _fresh_until(response)))
        return pdf

    def _keep(self, book_id: int, kept: _Kept) -> None:
        if len(kept.pdf.data) > self._cache_limit // 4:
            return  # one huge file would push out every other
        self._cache[book_id] = kept
        self._cached += len(kept.pdf.data)
        while self._cached > self._cache_limit:
            _, oldest = self._cache.popitem(last=False)
            self._cached -= len(oldest.pdf.data)

    def _forget(self, book_id: int) -> None:
        dropped = self._cache.pop(book_id, None)
        if dropped is not None:
            self._cached -= len(dropped.pdf.data)

    def close(self) -> None:
        self._client.close()
