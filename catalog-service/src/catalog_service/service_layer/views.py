"""Read side: books as stored, brought up to the events this process has received."""
from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from ..adapters.repository import BookPage, BookRepository
from ..domain.book import Book
from ..domain.exceptions import BookNotFound
from .events_ahead import EventsAhead


def get_book(*, sessions: sessionmaker[Session], book_id: int,
             ahead: EventsAhead | None = None) -> Book:
    """The book, or BookNotFound."""
    with sessions() as session:
        book = BookRepository(session).get(book_id)
    if book is None:
        raise BookNotFound()
    return ahead.apply(book) if ahead is not None else book


def list_books(*, sessions: sessionmaker[Session], q: str | None, author: str | None,
               limit: int, offset: int, ahead: EventsAhead | None = None) -> BookPage:
    """A page of books matching the search, and the total count."""
    with sessions() as session:
        page = BookRepository(session).search(q=q, author=author, limit=limit, offset=offset)
    if ahead is not None:
        for book in page.books:
            ahead.apply(book)
    return page


def may_download(*, sessions: sessionmaker[Session], user_id: int, book_id: int) -> bool:
    """Has this user a confirmed order of this book?"""
    with sessions() as session:
        return BookRepository(session).may_download(user_id=user_id, book_id=book_id)
