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
STOCK_REPORT = "inventory.stock_changed"  # the event type whose handler locks a book's stock


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
        """The stock reports of a batch each lock their book: lock them all in one statement."""
        self.books.lock_stock_ahead(ids_named(
            [env for env in events if env.type == STOCK_REPORT], "book_id"))

    def _open(self, session: Session) -> None:
        self._changes = BookChanges()
        self.books = SqlBookRepository(session, self._changes)

    def _commit(self, envelopes: list[Envelope]) -> None:
        with self._changes.committing(self._cache):
            super()._commit(envelopes)

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._changes.ended(self._cache)
