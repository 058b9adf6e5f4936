"""The unit of work the catalog's handlers and routes run in: its books plus the kit's transaction,
and this process's read cache told about every book the transaction writes."""
from __future__ import annotations

from collections.abc import Sequence

from bookstore_shared.events import Envelope
from bookstore_shared.kit import SqlUnitOfWork, ids_named
from bookstore_shared.outbox import Outbox
from sqlalchemy.orm import Session, sessionmaker

from ..adapters.book_cache import BookCache
from ..adapters.book_changes import BookChanges
from ..adapters.repository import BookRepository, SqlBookRepository

PRODUCER = "catalog"
STOCK_REPORT = "inventory.stock_changed"  # event types whose handlers lock books' stock:
RESERVATION = "inventory.reserved"  # one book, or each book in `stock_after`


def _stock_reported(events: Sequence[Envelope]) -> list[int]:
    """The books whose stock the batch's stock reports and reservations give."""
    ids = ids_named([env for env in events if env.type == STOCK_REPORT], "book_id")
    for env in events:
        if env.type == RESERVATION:
            ids.extend(s["book_id"] for s in env.data.get("stock_after", ())
                       if isinstance(s, dict) and isinstance(s.get("book_id"), int))
    return ids


class CatalogUnitOfWork(SqlUnitOfWork):
    """`uow.books`, `uow.emit(...)`, `uow.commit()`.

    The cache hook lives here because every write goes through a unit of work: the books written
    are dropped from `cache` as the COMMIT starts and again once it has ended (or after a
    rollback), so no answer read before the change is kept after it.
    """

    books: BookRepository

    def __init__(self, sessions: sessionmaker[Session], outbox: Outbox, *, cache: BookCache,
                 producer: str = PRODUCER):
        super().__init__(sessions, outbox, producer=producer)
        self._cache = cache
        self._changes = BookChanges()

    def before_batch(self, events: Sequence[Envelope]) -> None:
        """The stock reports of a batch each lock their books: lock them all in one statement."""
        self.books.lock_stock_ahead(_stock_reported(events))

    def _open(self, session: Session) -> None:
        self._changes = BookChanges()
        self.books = SqlBookRepository(session, self._changes)

    def _commit(self, envelopes: list[Envelope]) -> None:
        with self._changes.committing(self._cache):
            self.books.flush()  # the batch's stock and download rights, a statement each
            super()._commit(envelopes)

    def _rollback(self) -> None:
        self.books.forget_unsaved()
        try:
            super()._rollback()
        finally:
            self._changes.ended(self._cache)
