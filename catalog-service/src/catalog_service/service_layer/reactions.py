"""What the catalog does when other services report something (applied in the caller's session)."""
from __future__ import annotations

import logging

from bookstore_shared.events.contracts import (
    BookSummarized,
    OrderCancelled,
    OrderConfirmed,
    StockChanged,
)
from sqlalchemy.orm import Session

from ..adapters.repository import BookRepository

log = logging.getLogger(__name__)


def book_summarized(session: Session, event: BookSummarized) -> None:
    """Store generated texts, unless the PDF they came from has been replaced meanwhile."""
    repo = BookRepository(session)
    book = repo.get(event.book_id, for_update=True)
    if book is None:
        return
    stored = book.summarized(pdf_key=event.pdf_key, status=event.status, summary=event.summary,
                             description=event.description, provider=event.provider,
                             model=event.model, error=event.error)
    if stored:
        repo.save(book, summarized=True)
    else:
        log.info("summary of a replaced PDF ignored", extra={"book_id": event.book_id})


def stock_changed(session: Session, event: StockChanged) -> None:
    """Inventory's stock (as of a stock version) feeds the read model."""
    repo = BookRepository(session)
    book = repo.get(event.book_id, for_update=True)
    if book is None:
        return
    observed = book.stock.observe(event.stock, event.stock_version, event.revision)
    if observed != book.stock:
        book.stock = observed
        repo.save(book)


def order_confirmed(session: Session, event: OrderConfirmed) -> None:
    """The buyer may now download the PDFs of the books in the order."""
    repo = BookRepository(session)
    for book_id in sorted({line.book_id for line in event.items}):
        repo.grant_pdf(user_id=event.user_id, book_id=book_id, order_id=event.order_id)


def order_cancelled(session: Session, event: OrderCancelled) -> None:
    """A cancelled order withdraws the download right it gave (another live order keeps it)."""
    repo = BookRepository(session)
    for book_id in sorted({line.book_id for line in event.items}):
        repo.withdraw_pdf(user_id=event.user_id, book_id=book_id, order_id=event.order_id)
