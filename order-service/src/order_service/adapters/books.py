"""The book read model: the latest price, title and stock this service has heard of."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from .orm import book
from .repository import utc_naive


@dataclass(frozen=True)
class KnownBook:
    """What the read model holds for one book."""

    id: int
    title: str
    price: Decimal
    deleted: bool
    stock: int | None


class BookReadModel(Protocol):
    """What the service layer reads and writes of the read model; SQL below, in memory in the
    unit tests. Every write is guarded by the source's time (or stock version): older news never
    wins, so events may be applied in any order and more than once."""

    def get_many(self, book_ids: list[int]) -> dict[int, KnownBook]: ...
    def upsert(self, *, book_id: int, title: str, price: Decimal, stock: int | None,
               stock_version: int | None, at: datetime) -> None: ...
    def set_stock(self, *, book_id: int, stock: int, stock_version: int | None,
                  at: datetime) -> None: ...
    def mark_deleted(self, *, book_id: int, at: datetime) -> None: ...


# Statements are built once: reusing the object skips per-call construction and cache-key
# generation. SET parameters need names other than the columns' (b_id, new_..., at).
_BOOKS = select(book).where(book.c.id.in_(bindparam("ids", expanding=True)))
_LOCK_BOOK = select(book.c.id).where(book.c.id == bindparam("b_id")).with_for_update()
_INSERT_BOOK_IGNORE = (insert(book).prefix_with("IGNORE", dialect="mysql")
                       .prefix_with("OR IGNORE", dialect="sqlite"))
_UPDATE_DETAILS = (update(book)
                   .where(book.c.id == bindparam("b_id"), book.c.synced_at <= bindparam("at"),
                          book.c.deleted.is_(False))
                   .values(title=bindparam("new_title"), price=bindparam("new_price"),
                           synced_at=bindparam("at")))
_STOCK_LATER = or_(book.c.stock_synced_at.is_(None), book.c.stock_synced_at <= bindparam("at"))
_SET_STOCK = update(book).values(stock=bindparam("new_stock"),
                                 stock_version=bindparam("new_stock_version"),
                                 stock_synced_at=bindparam("at"))
_SET_STOCK_BY_TIME = _SET_STOCK.where(book.c.id == bindparam("b_id"), _STOCK_LATER)
# admin writes bump the version; reservations keep it, so equal versions go by time
_SET_STOCK_BY_VERSION = _SET_STOCK.where(
    book.c.id == bindparam("b_id"),
    or_(book.c.stock_version.is_(None), book.c.stock_version < bindparam("new_stock_version"),
        and_(book.c.stock_version == bindparam("new_stock_version"), _STOCK_LATER)))
_MARK_DELETED = (update(book).where(book.c.id == bindparam("b_id"))
                 .values(deleted=True, synced_at=bindparam("at")))


class SqlBookReadModel:
    """The `book` table in the unit of work's session."""

    def __init__(self, session: Session):
        self.session = session

    def get_many(self, book_ids: list[int]) -> dict[int, KnownBook]:
        rows = self.session.execute(_BOOKS, {"ids": book_ids}).all()
        return {int(r.id): KnownBook(int(r.id), r.title, r.price, bool(r.deleted), r.stock)
                for r in rows}

    def upsert(self, *, book_id: int, title: str, price: Decimal, stock: int | None,
               stock_version: int | None, at: datetime) -> None:
        """Record a book's details as of `at` (an event's time, or when the catalog was asked).

        An existing row is locked for writing first: INSERT IGNORE on it would take a shared lock
        and the UPDATE after it an exclusive one, and concurrent upserts of one book (many
        orders re-checking a sold-out book) then deadlock each other.
        """
        at = utc_naive(at)
        if self.session.execute(_LOCK_BOOK, {"b_id": book_id}).first() is None:
            inserted = self.session.execute(_INSERT_BOOK_IGNORE, {
                "id": book_id, "title": title, "price": price, "deleted": False,
                "synced_at": at, "stock": stock, "stock_version": stock_version,
                "stock_synced_at": at if stock is not None else None})
            if inserted.rowcount == 1:
                return
        self.session.execute(_UPDATE_DETAILS, {"b_id": book_id, "new_title": title,
                                               "new_price": price, "at": at})
        if stock is not None:
            self.set_stock(book_id=book_id, stock=stock, stock_version=stock_version, at=at)

    def set_stock(self, *, book_id: int, stock: int, stock_version: int | None,
                  at: datetime) -> None:
        """Newer stock wins: by version when both sides have one, else by time."""
        query = _SET_STOCK_BY_VERSION if stock_version is not None else _SET_STOCK_BY_TIME
        self.session.execute(query, {"b_id": book_id, "new_stock": stock,
                                     "new_stock_version": stock_version, "at": utc_naive(at)})

    def mark_deleted(self, *, book_id: int, at: datetime) -> None:
        """A deleted book stays deleted (ids are never reused)."""
        at = utc_naive(at)
        inserted = self.session.execute(_INSERT_BOOK_IGNORE, {
            "id": book_id, "title": "", "price": Decimal(0), "deleted": True, "synced_at": at})
        if inserted.rowcount != 1:
            self.session.execute(_MARK_DELETED, {"b_id": book_id, "at": at})
