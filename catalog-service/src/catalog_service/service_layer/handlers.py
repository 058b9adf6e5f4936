"""Commands of the catalog: one function each, a unit of work each, events through the outbox."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bookstore_shared.db import session_scope
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import BookCreated, BookDeleted, BookUpdated
from bookstore_shared.outbox import Outbox
from sqlalchemy.orm import Session, sessionmaker

from ..adapters.pdf import check_pdf
from ..adapters.repository import BookRepository
from ..adapters.storage import FileStorage
from ..domain.book import Book, Generated
from ..domain.exceptions import BookNotFound, NoPdf, NothingToUpdate
from ..domain.model import BookFields, StockState

log = logging.getLogger(__name__)
PRODUCER = "catalog"


@dataclass(frozen=True)
class NewPdf:
    """An uploaded PDF staged on local disk with its size and sha256."""

    path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class CatalogDeps:
    """What the command handlers need: sessions, the outbox and the PDF storage."""

    sessions: sessionmaker[Session]
    outbox: Outbox
    storage: FileStorage


def _book_event(book: Book, model, *, stock_changed: bool, pdf_changed: bool):
    return model(book_id=book.id, title=book.title, author=book.author, price=book.price,
                 stock=book.stock.published_stock if stock_changed else None,
                 stock_version=book.stock.published_version if stock_changed else None,
                 pdf_key=book.pdf_key, pdf_changed=pdf_changed,
                 description_given=book.description is not None)


def _store_pdf(deps: CatalogDeps, pdf: NewPdf) -> str:
    check_pdf(pdf.path, pdf.size)
    return deps.storage.put(pdf.path)


def add_book(*, deps: CatalogDeps, fields: BookFields, pdf: NewPdf) -> int:
    """Create a book with its PDF; publishes book.created (with stock version 1)."""
    key = _store_pdf(deps, pdf)
    try:
        with session_scope(deps.sessions) as session:
            book = Book(id=None, title=fields.title, author=fields.author, price=fields.price,
                        stock=StockState.new(fields.stock), description=fields.description,
                        generated=Generated(status="pending"))
            book.pdf_replaced(key, pdf.size, pdf.sha256)
            book_id = BookRepository(session).add(book)
            deps.outbox.add(session, Envelope.wrap(
                _book_event(book, BookCreated, stock_changed=True, pdf_changed=True),
                producer=PRODUCER))
            session.commit()
    except BaseException:
        deps.storage.delete(key)
        raise
    log.info("book added", extra={"book_id": book_id})
    return book_id


def update_book(*, deps: CatalogDeps, book_id: int, changes: BookFields,
                pdf: NewPdf | None) -> None:
    """Apply any subset of fields and/or a new PDF; the old PDF is deleted after commit."""
    if changes.is_empty() and pdf is None:
        raise NothingToUpdate()
    with session_scope(deps.sessions) as session:
        if BookRepository(session).get(book_id) is None:
            raise BookNotFound()
    new_key = _store_pdf(deps, pdf) if pdf is not None else None
    old_key = None
    try:
        with session_scope(deps.sessions) as session:
            repo = BookRepository(session)
            book = repo.get(book_id, for_update=True)
            if book is None:
                raise BookNotFound()
            for name in ("title", "author", "price", "description"):
                if getattr(changes, name) is not None:
                    setattr(book, name, getattr(changes, name))
            if changes.stock is not None:
                book.stock = book.stock.publish(changes.stock)
            if new_key is not None:
                old_key = book.pdf_key
                book.pdf_replaced(new_key, pdf.size, pdf.sha256)
            repo.save(book, relisted=changes.title is not None or changes.author is not None)
            deps.outbox.add(session, Envelope.wrap(
                _book_event(book, BookUpdated, stock_changed=changes.stock is not None,
                            pdf_changed=new_key is not None), producer=PRODUCER))
            session.commit()
    except BaseException:
        if new_key is not None:
            deps.storage.delete(new_key)
        raise
    if old_key:
        deps.storage.delete(old_key)


def delete_book(*, deps: CatalogDeps, book_id: int) -> None:
    """Remove the book, then its PDF; publishes book.deleted."""
    with session_scope(deps.sessions) as session:
        repo = BookRepository(session)
        book = repo.get(book_id, for_update=True)
        if book is None:
            raise BookNotFound()
        repo.delete(book_id)
        deps.outbox.add(session, Envelope.wrap(BookDeleted(book_id=book_id), producer=PRODUCER))
        session.commit()
    if book.pdf_key:
        deps.storage.delete(book.pdf_key)


def regenerate_texts(*, deps: CatalogDeps, book_id: int) -> None:
    """Mark summary/description pending and ask the ai service to redo them from the PDF."""
    with session_scope(deps.sessions) as session:
        repo = BookRepository(session)
        book = repo.get(book_id, for_update=True)
        if book is None:
            raise BookNotFound()
        if not book.pdf_key:
            raise NoPdf()
        book.regeneration_requested()
        repo.save(book)
        deps.outbox.add(session, Envelope.wrap(
            _book_event(book, BookUpdated, stock_changed=False, pdf_changed=True),
            producer=PRODUCER))
        session.commit()
