"""Which books a unit of work changes, told to this process's BookCache around its commit."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from .book_cache import BookCache

KEY = "catalog_book_changes"


@dataclass
class BookChanges:
    """Books written in this transaction; `relisted`: which books a query finds may differ."""

    books: set[int] = field(default_factory=set)
    relisted: bool = False
    begun: bool = False


def record(session: Session, book_id: int, *, relisted: bool = False) -> None:
    """Note a write of the book in the session's transaction (the repository calls this)."""
    changes = session.info.get(KEY)
    if changes is None:
        changes = session.info[KEY] = BookChanges()
    changes.books.add(book_id)
    changes.relisted = changes.relisted or relisted


def watch(factory: sessionmaker, cache: BookCache) -> None:
    """Drop what a transaction changes as it commits and again once it has ended."""

    @event.listens_for(factory, "before_commit")
    def _before_commit(session: Session) -> None:
        changes = session.info.get(KEY)
        if changes is not None and not changes.begun:
            changes.begun = True
            cache.begin(changes.books, relisted=changes.relisted)

    @event.listens_for(factory, "after_transaction_end")
    def _after_end(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is not None:
            return
        changes = session.info.pop(KEY, None)
        if changes is not None:
            cache.end(changes.books, relisted=changes.relisted, begun=changes.begun)
