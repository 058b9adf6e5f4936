"""Read side: books as stored (in the unit of work given), brought up to the events this process
has received."""
from __future__ import annotations

from ..adapters.repository import BookPage
from ..domain.book import Book
from ..domain.exceptions import BookNotFound
from .events_ahead import EventsAhead
from .unit_of_work import CatalogUnitOfWork


def get_book(uow: CatalogUnitOfWork, *, book_id: int, ahead: EventsAhead | None = None,
             ticket: int = 0) -> Book:
    """The book, or BookNotFound. With `ahead`, `ticket` is its ticket taken before this unit of
    work read anything."""
    book = uow.books.get(book_id)
    if book is None:
        raise BookNotFound()
    return ahead.apply(book, ticket) if ahead is not None else book


def list_books(uow: CatalogUnitOfWork, *, q: str | None, author: str | None, limit: int,
               offset: int, ahead: EventsAhead | None = None, ticket: int = 0) -> BookPage:
    """A page of books matching the search, and the total count (`ahead`, `ticket`: as for
    `get_book`)."""
    page = uow.books.search(q=q, author=author, limit=limit, offset=offset)
    if ahead is not None:
        for book in page.books:
            ahead.apply(book, ticket)
    return page


def may_download(uow: CatalogUnitOfWork, *, user_id: int, book_id: int) -> bool:
    """Has this user a confirmed order of this book?"""
    return uow.books.may_download(user_id=user_id, book_id=book_id)
