"""One handler per event other services report: each applies its effect in the unit of work it is
given (the consumer records the inbox rows and commits the batch). None of them emits events."""
from __future__ import annotations

import logging

from bookstore_shared.events.contracts import (
    BookSummarized,
    InventoryReserved,
    OrderCancelled,
    OrderConfirmed,
    StockChanged,
)

from .unit_of_work import CatalogUnitOfWork

log = logging.getLogger(__name__)


def store_summary(event: BookSummarized, *, uow: CatalogUnitOfWork) -> None:
    """Store generated texts, unless the PDF they came from has been replaced meanwhile."""
    book = uow.books.get(event.book_id, for_update=True)
    if book is None:
        return
    stored = book.summarized(pdf_key=event.pdf_key, status=event.status, summary=event.summary,
                             description=event.description, provider=event.provider,
                             model=event.model, error=event.error)
    if stored:
        uow.books.save(book, summarized=True)
    else:
        log.info("summary of a replaced PDF ignored", extra={"book_id": event.book_id})


def observe_stock(event: StockChanged, *, uow: CatalogUnitOfWork) -> None:
    """Inventory's stock (as of a stock version) feeds the read model; older reports change nothing."""
    stock = uow.books.lock_stock(event.book_id)
    if stock is None:
        return
    observed = stock.observe(event.stock, event.stock_version, event.revision)
    if observed != stock:
        uow.books.save_stock(event.book_id, observed)


def observe_reserved_stock(event: InventoryReserved, *, uow: CatalogUnitOfWork) -> None:
    """A reservation reports its books' stock after it (no stock_changed of its own)."""
    for report in event.stock_reports():
        observe_stock(report, uow=uow)


def grant_downloads(event: OrderConfirmed, *, uow: CatalogUnitOfWork) -> None:
    """The buyer may now download the PDFs of the books in the order."""
    for book_id in sorted({line.book_id for line in event.items}):
        uow.books.grant_pdf(user_id=event.user_id, book_id=book_id, order_id=event.order_id)


def withdraw_downloads(event: OrderCancelled, *, uow: CatalogUnitOfWork) -> None:
    """A cancelled order withdraws the download right it gave (another live order keeps it)."""
    for book_id in sorted({line.book_id for line in event.items}):
        uow.books.withdraw_pdf(user_id=event.user_id, book_id=book_id, order_id=event.order_id)
