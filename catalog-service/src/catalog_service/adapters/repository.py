"""Books and PDF grants in the catalog's schema (SQLAlchemy Core, one session per unit of work)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from bookstore_shared.events import utcnow
from bookstore_shared.row_writes import update_each
from sqlalchemy import Integer, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from ..domain.book import Book, Generated
from ..domain.model import StockState
from .book_changes import BookChanges
from .orm import BOOK, PDF_RIGHT

# The statements of every stock report, order and book read are built once and executed with
# parameters: a reused statement skips SQLAlchemy's per-call construction and keeps its cache key.
SELECT_BOOK = select(BOOK).where(BOOK.c.id == bindparam("book_id"))
LOCK_BOOK = SELECT_BOOK.with_for_update()
# No values(): SET takes the columns named in the parameters (`b_id`: a column's name would clash).
SAVE_BOOK = update(BOOK).where(BOOK.c.id == bindparam("b_id"))
# A stock report reads and writes the stock columns only (a book's texts can be long).
_STOCK_COLUMNS = (BOOK.c.confirmed_stock, BOOK.c.confirmed_stock_version,
                  BOOK.c.published_stock, BOOK.c.published_stock_version,
                  BOOK.c.confirmed_stock_revision)
LOCK_STOCK = select(*_STOCK_COLUMNS).where(BOOK.c.id == bindparam("book_id")).with_for_update()
LOCK_STOCKS = (select(BOOK.c.id, *_STOCK_COLUMNS)
               .where(BOOK.c.id.in_(bindparam("book_ids", expanding=True)))
               .order_by(BOOK.c.id).with_for_update())
_SAVED_STOCK_COLUMNS = ("confirmed_stock", "confirmed_stock_version", "confirmed_stock_revision",
                        "published_stock", "published_stock_version", "updated_at")
COUNT_BOOKS = select(func.count()).select_from(BOOK)
PAGE_OF_BOOKS = (select(BOOK).order_by(BOOK.c.id)
                 .limit(bindparam("limit", type_=Integer))
                 .offset(bindparam("offset", type_=Integer)))
RIGHT_EXISTS = select(PDF_RIGHT.c.order_id).where(
    PDF_RIGHT.c.user_id == bindparam("user_id"), PDF_RIGHT.c.book_id == bindparam("book_id"),
    PDF_RIGHT.c.granted_at.is_not(None), PDF_RIGHT.c.withdrawn_at.is_(None)).limit(1)
RIGHT_OF_ORDER = select(PDF_RIGHT.c.order_id).where(
    PDF_RIGHT.c.order_id == bindparam("order_id"), PDF_RIGHT.c.book_id == bindparam("book_id"))
ADD_RIGHT = insert(PDF_RIGHT)
# One statement where a row of the order and book may exist already (a redelivered
# confirmation, or a withdrawal that came first): that row is kept as it is.
ADD_RIGHT_UNLESS_KNOWN = (insert(PDF_RIGHT).prefix_with("IGNORE", dialect="mysql")
                          .prefix_with("OR IGNORE", dialect="sqlite"))
WITHDRAW_RIGHT = update(PDF_RIGHT).where(
    PDF_RIGHT.c.order_id == bindparam("o_id"), PDF_RIGHT.c.book_id == bindparam("b_id"),
    PDF_RIGHT.c.withdrawn_at.is_(None))


def _to_book(row) -> Book:
    m = row._mapping
    return Book(
        id=m["id"], title=m["title"], author=m["author"], price=m["price"],
        description=m["description"], pdf_key=m["pdf_key"], pdf_size=m["pdf_size"],
        pdf_sha256=m["pdf_sha256"],
        stock=StockState(m["confirmed_stock"], m["confirmed_stock_version"],
                         m["published_stock"], m["published_stock_version"],
                         m["confirmed_stock_revision"]),
        generated=Generated(m["ai_status"], m["summary"], m["generated_description"],
                            m["ai_provider"], m["ai_model"], m["ai_error"]),
        created_at=m["created_at"], updated_at=m["updated_at"])


def _stock_columns(stock: StockState) -> dict:
    return {"confirmed_stock": stock.confirmed_stock,
            "confirmed_stock_version": stock.confirmed_version,
            "confirmed_stock_revision": stock.confirmed_revision,
            "published_stock": stock.published_stock,
            "published_stock_version": stock.published_version}


def _columns(book: Book) -> dict:
    g = book.generated
    return {
        "title": book.title, "author": book.author, "price": book.price,
        "description": book.description, "pdf_key": book.pdf_key, "pdf_size": book.pdf_size,
        "pdf_sha256": book.pdf_sha256, **_stock_columns(book.stock),
        "ai_status": g.status, "summary": g.summary, "generated_description": g.description,
        "ai_provider": g.provider, "ai_model": g.model, "ai_error": g.error,
    }


@dataclass(frozen=True)
class BookPage:
    """One page of a listing and the total number of matches."""

    books: list[Book]
    total: int


class BookRepository(Protocol):
    """What the service layer reads and writes; SQL below, in memory in the unit tests."""

    def get(self, book_id: int, *, for_update: bool = False) -> Book | None: ...
    def lock_stock(self, book_id: int) -> StockState | None: ...
    def lock_stock_ahead(self, book_ids: Iterable[int]) -> None: ...
    def save_stock(self, book_id: int, stock: StockState) -> None: ...
    def add(self, book: Book) -> int: ...
    def save(self, book: Book, *, summarized: bool = False, relisted: bool = False) -> None: ...
    def delete(self, book_id: int) -> None: ...
    def search(self, *, q: str | None, author: str | None, limit: int,
               offset: int) -> BookPage: ...
    def grant_pdf(self, *, user_id: int, book_id: int, order_id: int) -> None: ...
    def withdraw_pdf(self, *, user_id: int, book_id: int, order_id: int) -> None: ...
    def may_download(self, *, user_id: int, book_id: int) -> bool: ...
    def flush(self) -> None: ...
    def forget_unsaved(self) -> None: ...


class SqlBookRepository:
    """Loads and saves books; `for_update` locks the row until the unit of work ends.

    Every write of a book is recorded in `changes`, so the unit of work drops the cached answers
    it changes as the transaction commits.

    The writes a batch of events makes, stock reports and download rights, are kept until
    `flush()`, which the unit of work calls before COMMIT: one statement each for the whole
    batch. Every other read or write flushes them first, so it sees them.
    """

    def __init__(self, session: Session, changes: BookChanges):
        self.session = session
        self.changes = changes
        # read and locked by lock_stock_ahead(), not yet asked for; None: no such book
        self._stock_ahead: dict[int, StockState | None] = {}
        self._unsaved_stock: dict[int, StockState] = {}  # save_stock(), rows locked, not written
        self._unsaved_grants: list[dict] = []  # grant_pdf(), not written

    def flush(self) -> None:
        """Write the stock and the download rights kept since the last flush."""
        stock, self._unsaved_stock = self._unsaved_stock, {}
        grants, self._unsaved_grants = self._unsaved_grants, []
        if stock:
            now = utcnow()
            rows = [{"id": book_id, **_stock_columns(s), "updated_at": now}
                    for book_id, s in stock.items()]
            update_each(self.session, BOOK, "id", _SAVED_STOCK_COLUMNS, rows)
        if grants:  # one multi-row INSERT
            self.session.execute(ADD_RIGHT_UNLESS_KNOWN, grants)

    def forget_unsaved(self) -> None:
        """Drop what flush() did not write (the transaction rolled back)."""
        self._unsaved_stock, self._unsaved_grants = {}, []

    def get(self, book_id: int, *, for_update: bool = False) -> Book | None:
        self.flush()
        stmt = LOCK_BOOK if for_update else SELECT_BOOK
        row = self.session.execute(stmt, {"book_id": book_id}).first()
        return _to_book(row) if row else None

    def lock_stock(self, book_id: int) -> StockState | None:
        """The book's stock, its row locked until the unit of work ends; None: no such book."""
        if book_id in self._unsaved_stock:
            return self._unsaved_stock[book_id]  # locked when it was read, saved since
        if book_id in self._stock_ahead:
            return self._stock_ahead.pop(book_id)  # read by lock_stock_ahead(), unchanged since
        row = self.session.execute(LOCK_STOCK, {"book_id": book_id}).first()
        return StockState(*row) if row else None

    def lock_stock_ahead(self, book_ids: Iterable[int]) -> None:
        """Lock and read these books' stock in one statement, in id order; the next
        `lock_stock` of each is answered from what was read (a later one reads again: by then
        this transaction may have written it). A deleted book stays deleted: its row is gone."""
        ids = sorted(set(book_ids))
        if len(ids) > 1:
            self._stock_ahead = dict.fromkeys(ids)
            for book_id, *stock in self.session.execute(LOCK_STOCKS, {"book_ids": ids}):
                self._stock_ahead[book_id] = StockState(*stock)

    def save_stock(self, book_id: int, stock: StockState) -> None:
        """Keep the book's new stock for flush() (its row is locked: lock_stock() read it)."""
        self._unsaved_stock[book_id] = stock
        self.changes.record(book_id, relisted=False)

    def add(self, book: Book) -> int:
        self.flush()
        now = utcnow()
        result = self.session.execute(insert(BOOK).values(**_columns(book), created_at=now,
                                                          updated_at=now))
        book.id = int(result.inserted_primary_key[0])
        self.changes.record(book.id, relisted=True)
        return book.id

    def save(self, book: Book, *, summarized: bool = False, relisted: bool = False) -> None:
        """Write the book; `relisted`: its title or author changed (searches may differ)."""
        self.flush()
        now = utcnow()
        extra = {"ai_updated_at": now} if summarized else {}
        self.session.execute(SAVE_BOOK, {"b_id": book.id, **_columns(book), **extra,
                                         "updated_at": now})
        self.changes.record(book.id, relisted=relisted)

    def delete(self, book_id: int) -> None:
        self.flush()
        self.changes.record(book_id, relisted=True)
        self.session.execute(delete(PDF_RIGHT).where(PDF_RIGHT.c.book_id == book_id))
        self.session.execute(delete(BOOK).where(BOOK.c.id == book_id))

    def search(self, *, q: str | None, author: str | None, limit: int, offset: int) -> BookPage:
        """Books whose title or author contains `q`, by `author` exactly; oldest first."""
        self.flush()
        conditions = []
        if q:
            needle = q.strip().lower()
            conditions.append(func.lower(BOOK.c.title).contains(needle, autoescape=True)
                              | func.lower(BOOK.c.author).contains(needle, autoescape=True))
        if author:
            conditions.append(func.lower(BOOK.c.author) == author.strip().lower())
        count, page = COUNT_BOOKS, PAGE_OF_BOOKS
        if conditions:  # the filters shape the statement: built per search
            count, page = count.where(*conditions), page.where(*conditions)
        total = self.session.execute(count).scalar_one()
        rows = self.session.execute(page, {"limit": limit, "offset": offset}).all()
        return BookPage([_to_book(r) for r in rows], int(total))

    def _has_right_row(self, order_id: int, book_id: int) -> bool:
        params = {"order_id": order_id, "book_id": book_id}
        return self.session.execute(RIGHT_OF_ORDER, params).first() is not None

    def grant_pdf(self, *, user_id: int, book_id: int, order_id: int) -> None:
        """The order lets `user_id` download the book's PDF (idempotent; nothing when the order
        was cancelled first: its withdrawal left the row, which stays as it is); written by
        flush()."""
        self._unsaved_grants.append({"order_id": order_id, "book_id": book_id,
                                     "user_id": user_id, "granted_at": utcnow()})

    def withdraw_pdf(self, *, user_id: int, book_id: int, order_id: int) -> None:
        """The order no longer lets its buyer download the PDF (idempotent)."""
        self.flush()
        if self._has_right_row(order_id, book_id):
            self.session.execute(WITHDRAW_RIGHT, {"o_id": order_id, "b_id": book_id,
                                                  "withdrawn_at": utcnow()})
        else:  # cancelled before the confirmation arrived: a tombstone it will find
            self.session.execute(ADD_RIGHT, {"order_id": order_id, "book_id": book_id,
                                             "user_id": user_id, "withdrawn_at": utcnow()})

    def may_download(self, *, user_id: int, book_id: int) -> bool:
        """True while some confirmed, uncancelled order of the user holds the book."""
        self.flush()
        params = {"user_id": user_id, "book_id": book_id}
        return self.session.execute(RIGHT_EXISTS, params).first() is not None
