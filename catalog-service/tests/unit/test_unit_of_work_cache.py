"""The catalog's unit of work tells this process's read cache about every book it writes: as the
COMMIT starts, once it has ended, and after a rollback (SQLite in memory, no server needed)."""
from decimal import Decimal

import pytest
from bookstore_shared.outbox import Outbox
from catalog_service.adapters.book_cache import BookCache, Rendered
from catalog_service.adapters.orm import OUTBOX, metadata
from catalog_service.domain.book import Book
from catalog_service.domain.model import StockState
from catalog_service.service_layer.unit_of_work import CatalogUnitOfWork
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool


class SpyCache(BookCache):
    """A real cache that also logs what it is told, among the database's COMMITs."""

    def __init__(self, log: list):
        super().__init__()
        self.log = log

    def begin(self, books, *, relisted):
        self.log.append(("begin", tuple(books), relisted))
        super().begin(books, relisted=relisted)

    def end(self, books, *, relisted, begun):
        self.log.append(("end", tuple(books), relisted, begun))
        super().end(books, relisted=relisted, begun=begun)


@pytest.fixture
def log() -> list:
    return []


@pytest.fixture
def cache(log) -> SpyCache:
    return SpyCache(log)


@pytest.fixture
def uow(cache, log):
    engine = create_engine("sqlite://", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})
    metadata.create_all(engine)
    event.listen(engine, "commit", lambda conn: log.append("COMMIT"))
    sessions = sessionmaker(engine)

    def make() -> CatalogUnitOfWork:
        return CatalogUnitOfWork(sessions, Outbox(OUTBOX), cache=cache)

    with make() as first:
        first.books.add(Book(id=None, title="Dune", author="Frank Herbert", price=Decimal(9),
                             stock=StockState.new(10)))
        first.commit()
    log.clear()
    yield make
    engine.dispose()


def cached(cache: BookCache, book_id: int = 1) -> None:
    cache.keep_item(cache.ticket(), book_id, Rendered(b"{}", '"e"'))
    assert cache.item(book_id) is not None


def test_a_committed_write_drops_the_book_as_the_commit_starts_and_again_after_it(uow, cache,
                                                                                  log):
    cached(cache)
    with uow() as u:
        book = u.books.get(1, for_update=True)
        book.stock = book.stock.publish(20)
        u.books.save(book)
        u.commit()
    assert log == [("begin", (1,), False), "COMMIT", ("end", (1,), False, True)]
    assert cache.item(1) is None


def test_a_load_that_finishes_while_the_commit_runs_is_served_but_not_kept(uow, cache, log):
    def load_during_commit(conn):
        ticket = cache.ticket()
        cache.keep_item(ticket, 1, Rendered(b"old", '"old"'))

    with uow() as u:
        u.books.save(u.books.get(1, for_update=True))
        event.listen(u.session.get_bind(), "commit", load_during_commit)
        u.commit()
    assert cache.item(1) is None
    cached(cache)  # a load that starts after the commit is kept


def test_an_added_or_deleted_book_changes_every_page(uow, log):
    with uow() as u:
        u.books.add(Book(id=None, title="Emma", author="Jane Austen", price=Decimal(5),
                         stock=StockState.new(1)))
        u.books.delete(1)
        u.commit()
    assert log[0][0] == "begin" and sorted(log[0][1]) == [1, 2] and log[0][2] is True


def test_a_write_that_is_rolled_back_still_drops_the_book_and_begins_nothing(uow, cache, log):
    cached(cache)
    with uow() as u:
        u.books.save(u.books.get(1, for_update=True), relisted=True)
    assert log == [("end", (1,), True, False)]
    assert cache.item(1) is None


def test_a_commit_that_fails_ends_what_it_began(uow, cache, log):
    with uow() as u:
        u.books.save(u.books.get(1, for_update=True))

        def broken(*_):
            raise RuntimeError("outbox insert failed")

        u._outbox.add = broken
        with pytest.raises(RuntimeError):
            u.commit()
    assert log == [("begin", (1,), False), ("end", (1,), False, True)]
    cached(cache)  # nothing is left marked as being written


def test_reads_alone_tell_the_cache_nothing(uow, log):
    with uow() as u:
        u.books.get(1)
        u.books.search(q="dune", author=None, limit=10, offset=0)
        u.commit()
    assert log == ["COMMIT"]
