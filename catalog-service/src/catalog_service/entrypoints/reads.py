"""The public read path: books and pages rendered once, served from memory as bytes, with ETags.

A hit costs a dict lookup on the event loop; a miss reads the database in a worker thread,
renders with orjson and keeps the result if no change to what it shows began meanwhile.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from hashlib import blake2b

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ..adapters.book_cache import BookCache, Rendered
from ..domain.book import Book
from ..service_layer import views
from ..service_layer.events_ahead import EventsAhead
from ..service_layer.unit_of_work import CatalogUnitOfWork
from .schemas import book_fields

# Anyone may store the answer (it is the same for every caller) but must ask again before
# reusing it: a change is visible at once, and an unchanged answer costs a 304.
CACHE_CONTROL = "public, no-cache"
JSON = "application/json"


def etag_of(body: bytes, total: int | None = None) -> str:
    """A strong validator of the body (and of X-Total-Count, which is part of a page's answer)."""
    digest = blake2b(body, digest_size=16)
    if total is not None:
        digest.update(b"\x00%d" % total)
    return f'"{digest.hexdigest()}"'


def render_book(book: Book) -> bytes:
    return orjson.dumps(book_fields(book))


@dataclass(frozen=True)
class BookReads:
    """What the read routes use: the database (a unit of work per miss, opened in the worker
    thread: a hit opens none), this process's cache and the events ahead of it."""

    uow: Callable[[], CatalogUnitOfWork]
    cache: BookCache
    ahead: EventsAhead

    def load_item(self, book_id: int) -> Rendered:
        """Read, render and (if still current) keep one book; BookNotFound if there is none."""
        ticket, seen = self.cache.ticket(), self.ahead.ticket()
        with self.uow() as uow:
            book = views.get_book(uow, book_id=book_id, ahead=self.ahead, ticket=seen)
        body = render_book(book)
        rendered = Rendered(body, etag_of(body))
        self.cache.keep_item(ticket, book_id, rendered)
        return rendered

    def load_page(self, key: Hashable, *, q: str | None, author: str | None, limit: int,
                  offset: int) -> Rendered:
        """Read, render and (if still current) keep a page; its books are kept as items too."""
        ticket, seen = self.cache.ticket(), self.ahead.ticket()
        with self.uow() as uow:
            page = views.list_books(uow, q=q, author=author, limit=limit, offset=offset,
                                    ahead=self.ahead, ticket=seen)
        bodies = [render_book(book) for book in page.books]
        body = b"[" + b",".join(bodies) + b"]"
        rendered = Rendered(body, etag_of(body, page.total), page.total,
                            tuple(book.id for book in page.books))
        for book, item in zip(page.books, bodies, strict=True):
            self.cache.keep_item(ticket, book.id, Rendered(item, etag_of(item)))
        self.cache.keep_page(ticket, key, rendered)
        return rendered


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 13.1.2: `*`, or any listed tag equal to ours by weak comparison."""
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def answer(request: Request, rendered: Rendered) -> Response:
    """200 with the body, or 304 when the client already holds this representation."""
    headers = {"ETag": rendered.etag, "Cache-Control": CACHE_CONTROL}
    if rendered.total is not None:
        headers["X-Total-Count"] = str(rendered.total)
    condition = request.headers.get("if-none-match")
    if condition is not None and _matches(condition, rendered.etag):
        return Response(status_code=304, headers=headers)
    return Response(rendered.body, headers=headers, media_type=JSON)
