"""The catalog's internal book endpoint: asked only when the read model does not know a book."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol

import httpx
from bookstore_shared import telemetry

log = logging.getLogger(__name__)


class CatalogUnavailable(RuntimeError):
    """The catalog did not answer usefully; the caller may try again."""


@dataclass(frozen=True)
class CatalogBook:
    """A book as the catalog describes it right now."""

    id: int
    title: str
    price: Decimal
    stock: int | None
    stock_version: int | None


class Catalog(Protocol):
    def book(self, book_id: int) -> CatalogBook | None:
        """The book, None when the catalog does not know it; CatalogUnavailable on failure."""

    def close(self) -> None:
        """Release connections."""


class HttpCatalog:
    """`GET {catalog}/internal/books/{id}` over a pooled httpx client."""

    def __init__(self, base_url: str, *, timeout_s: float = 3.0,
                 transport: httpx.BaseTransport | None = None,
                 headers: dict[str, str] | None = None):
        self._client = httpx.Client(base_url=base_url, timeout=timeout_s, transport=transport,
                                    headers=headers)
        telemetry.instrument_httpx(self._client, "order")

    def book(self, book_id: int) -> CatalogBook | None:
        try:
            response = self._client.get(f"/internal/books/{book_id}")
        except httpx.HTTPError as exc:
            raise CatalogUnavailable(f"catalog unreachable: {type(exc).__name__}") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise CatalogUnavailable(f"catalog answered {response.status_code}")
        try:
            data = response.json()
            stock = data.get("stock")
            version = data.get("stock_version")
            return CatalogBook(id=int(data["id"]), title=str(data["title"]),
                               price=Decimal(str(data["price"])),
                               stock=int(stock) if stock is not None else None,
                               stock_version=int(version) if version is not None else None)
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            log.warning("malformed catalog answer", extra={"book_id": book_id})
            raise CatalogUnavailable("malformed catalog answer") from exc

    def close(self) -> None:
        self._client.close()
