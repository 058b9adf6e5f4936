"""Pricing an order from the book read model, filled from the catalog on a miss."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.exc import OperationalError
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_random

from ..adapters.books import KnownBook
from ..adapters.catalog import Catalog, CatalogBook, CatalogUnavailable
from ..domain.exceptions import BookNotFound, InsufficientStock
from ..domain.requests import RequestedItem
from .unit_of_work import OrderUnitOfWork

log = logging.getLogger(__name__)


def _ask_catalog(catalog: Catalog, book_ids: list[int], *, required: bool) -> list[CatalogBook]:
    found = []
    for book_id in book_ids:
        try:
            answer = catalog.book(book_id)
        except CatalogUnavailable:
            if required:
                raise
            log.warning("catalog unavailable; trusting the read model", extra={"book_id": book_id})
            continue
        if answer is not None:
            found.append(answer)
    return found


@retry(retry=retry_if_exception_type(OperationalError), stop=stop_after_attempt(4),
       wait=wait_random(0.01, 0.1), reraise=True)
def _remember(uow: OrderUnitOfWork, fetched: list[CatalogBook],
              ids: list[int]) -> dict[int, KnownBook]:
    """Store what the catalog said. A consumer thread may be inserting the same book from its
    book.created event at this very moment; MySQL can pick this transaction as a deadlock victim,
    and the upsert is idempotent, so it is simply run again (in a new transaction)."""
    now = datetime.now(UTC)
    with uow.step():
        for answer in fetched:
            uow.books.upsert(book_id=answer.id, title=answer.title, price=answer.price,
                             stock=answer.stock, stock_version=answer.stock_version, at=now)
        uow.commit()
    with uow.step():
        return uow.books.get_many(ids)


def known_books(uow: OrderUnitOfWork, items: list[RequestedItem]) -> dict[int, KnownBook] | None:
    """The requested books from the read model, in the caller's transaction, when it can answer
    alone: every book known and none short (BookNotFound for a deleted one). None: some book is
    unknown or looks short, so `resolve_books` must ask the catalog."""
    known = uow.books.get_many([item.book_id for item in items])
    if any(item.book_id not in known for item in items):
        return None
    for item in items:
        if known[item.book_id].deleted:
            raise BookNotFound(item.book_id)
    if any(known[item.book_id].stock is not None and known[item.book_id].stock < item.quantity
           for item in items):
        return None
    return known


def resolve_books(uow: OrderUnitOfWork, *, catalog: Catalog,
                  items: list[RequestedItem]) -> dict[int, KnownBook]:
    """Price and title of every requested book; BookNotFound / InsufficientStock otherwise.

    Unknown books are fetched from the catalog (a book is orderable as soon as it is created);
    a book the read model thinks is short is re-checked there, so a fresh restock is not refused.
    No transaction is open while the catalog is asked.
    """
    ids = [item.book_id for item in items]
    with uow.step():
        known = uow.books.get_many(ids)
    missing = [i for i in ids if i not in known]
    short = [item.book_id for item in items if item.book_id in known
             and not known[item.book_id].deleted and known[item.book_id].stock is not None
             and known[item.book_id].stock < item.quantity]
    fetched = _ask_catalog(catalog, missing, required=True) + _ask_catalog(catalog, short,
                                                                           required=False)
    if fetched:
        known = _remember(uow, fetched, ids)
    for item in items:
        book = known.get(item.book_id)
        if book is None or book.deleted:
            raise BookNotFound(item.book_id)
    for item in items:
        stock = known[item.book_id].stock
        if stock is not None and stock < item.quantity:
            raise InsufficientStock(item.book_id)
    return known
