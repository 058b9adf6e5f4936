"""Commands of the catalog (the admin's routes): one function each, in the request's unit of work,
events through `uow.emit`. They commit themselves because the PDF files they store or delete
follow the outcome of the commit."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bookstore_shared.events.contracts import BookCreated, BookDeleted, BookUpdated

from ..adapters.pdf import check_pdf
from ..adapters.storage import FileStorage
from ..domain.book import Book, Generated
from ..domain.exceptions import BookNotFound, NoPdf, NothingToUpdate
from ..domain.model import BookFields, StockState
from .unit_of_work import CatalogUnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewPdf:
    """An uploaded PDF staged on local disk with its size and sha256."""

    path: Path
    size: int
    sha256: str


def _book_event(book: Book, model, *, stock_changed: bool, pdf_changed: bool):
    return model(book_id=book.id, title=book.title, author=book.author, price=book.price,
                 stock=book.stock.published_stock if stock_changed else None,
                 stock_version=book.stock.published_version if stock_changed else None,
                 pdf_key=book.pdf_key, pdf_changed=pdf_changed,
                 description_given=book.description is not None)


def _store_pdf(storage: FileStorage, pdf: NewPdf) -> str:
    check_pdf(pdf.path, pdf.size)
    return storage.put(pdf.path)


def add_book(uow: CatalogUnitOfWork, *, storage: FileStorage, fields: BookFields,
             pdf: NewPdf) -> int:
    """Create a book with its PDF; publishes book.created (with stock version 1)."""
    key = _store_pdf(storage, pdf)
    try:
        book = Book(id=None, title=fields.title, author=fields.author, price=fields.price,
                    stock=StockState.new(fields.stock), description=fields.description,
                    generated=Generated(status="pending"))
        book.pdf_replaced(key, pdf.size, pdf.sha256)
        book_id = uow.books.add(book)
        uow.emit(_book_event(book, BookCreated, stock_changed=True, pdf_changed=True))
        uow.commit()
    except BaseException:
        storage.delete(key)
        raise
    log.info("book added", extra={"book_id": book_id})
    return book_id


def update_book(uow: CatalogUnitOfWork, *, storage: FileStorage, book_id: int,
                changes: BookFields, pdf: NewPdf | None) -> None:
    """Apply any subset of fields and/or a new PDF; the old PDF is deleted after commit."""
    if changes.is_empty() and pdf is None:
        raise NothingToUpdate()
    if uow.books.get(book_id) is None:
        raise BookNotFound()
    uow.rollback()  # no transaction is held while the PDF is checked and stored
    new_key = _store_pdf(storage, pdf) if pdf is not None else None
    old_key = None
    try:
        book = uow.books.get(book_id, for_update=True)
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
        uow.books.save(book, relisted=changes.title is not None or changes.author is not None)
        uow.emit(_book_event(book, BookUpdated, stock_changed=changes.stock is not None,
                             pdf_changed=new_key is not None))
        uow.commit()
    except BaseException:
        if new_key is not None:
            storage.delete(new_key)
        raise
    if old_key:
        storage.delete(old_key)


def delete_book(uow: CatalogUnitOfWork, *, storage: FileStorage, book_id: int) -> None:
    """Remove the book, then its PDF; publishes book.deleted."""
    book = uow.books.get(book_id, for_update=True)
    if book is None:
        raise BookNotFound()
    uow.books.delete(book_id)
    uow.emit(BookDeleted(book_id=book_id))
    uow.commit()
    if book.pdf_key:
        storage.delete(book.pdf_key)


def regenerate_texts(uow: CatalogUnitOfWork, *, book_id: int) -> None:
    """Mark summary/description pending and ask the ai service to redo them from the PDF."""
    book = uow.books.get(book_id, for_update=True)
    if book is None:
        raise BookNotFound()
    if not book.pdf_key:
        raise NoPdf()
    book.regeneration_requested()
    uow.books.save(book)
    uow.emit(_book_event(book, BookUpdated, stock_changed=False, pdf_changed=True))
    uow.commit()
