"""Fakes for service-layer tests: the catalog's repository and PDF storage in memory, the kit's
in-memory unit of work."""
from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from bookstore_shared.events.contracts import OrderCancelled, OrderConfirmed, OrderLine
from bookstore_shared.kit import InMemoryUnitOfWork
from bookstore_testing.kit import apply_events
from catalog_service.adapters.repository import BookPage
from catalog_service.domain.book import Book, Generated
from catalog_service.domain.model import StockState
from catalog_service.entrypoints.consumers import HANDLERS
from catalog_service.service_layer.commands import NewPdf
from fpdf import FPDF


@dataclass
class Right:
    user_id: int
    granted: bool
    withdrawn: bool


class FakeBookRepository:
    """Books and download rights in dicts; same answers as the SQL repository. Reads hand out
    copies, so a change reaches the store only through save(), as with the database."""

    def __init__(self, *books: Book):
        self.books: dict[int, Book] = {}
        self.rights: dict[tuple[int, int], Right] = {}  # (order_id, book_id)
        self.saved: list[int] = []
        self._ids = itertools.count(1)
        for book in books:
            self.add(book)

    def get(self, book_id: int, *, for_update: bool = False) -> Book | None:
        book = self.books.get(book_id)
        return copy.deepcopy(book) if book else None

    def lock_stock(self, book_id: int) -> StockState | None:
        book = self.books.get(book_id)
        return book.stock if book else None

    def lock_stock_ahead(self, book_ids) -> None:
        """Nothing to read ahead: lock_stock() answers from memory."""

    def save_stock(self, book_id: int, stock: StockState) -> None:
        self.books[book_id].stock = stock
        self.saved.append(book_id)

    def add(self, book: Book) -> int:
        book.id = book.id or next(self._ids)
        self.books[book.id] = copy.deepcopy(book)
        return book.id

    def save(self, book: Book, *, summarized: bool = False, relisted: bool = False) -> None:
        self.books[book.id] = copy.deepcopy(book)
        self.saved.append(book.id)

    def delete(self, book_id: int) -> None:
        self.books.pop(book_id, None)
        self.rights = {k: r for k, r in self.rights.items() if k[1] != book_id}

    def search(self, *, q: str | None, author: str | None, limit: int, offset: int) -> BookPage:
        found = [b for b in sorted(self.books.values(), key=lambda b: b.id)
                 if (not q or q.lower() in (b.title + " " + b.author).lower())
                 and (not author or b.author.lower() == author.lower())]
        return BookPage([copy.deepcopy(b) for b in found[offset:offset + limit]], len(found))

    def grant_pdf(self, *, user_id: int, book_id: int, order_id: int) -> None:
        self.rights.setdefault((order_id, book_id), Right(user_id, granted=True, withdrawn=False))

    def withdraw_pdf(self, *, user_id: int, book_id: int, order_id: int) -> None:
        right = self.rights.setdefault((order_id, book_id), Right(user_id, False, False))
        right.withdrawn = True

    def may_download(self, *, user_id: int, book_id: int) -> bool:
        return any(r.user_id == user_id and r.granted and not r.withdrawn
                   for (_, b), r in self.rights.items() if b == book_id)

    def flush(self) -> None:
        """Nothing kept: every write above is applied at once."""

    def forget_unsaved(self) -> None:
        """Nothing kept (and, like cosmicpython's fakes, nothing rolled back)."""


class FakeCatalogUnitOfWork(InMemoryUnitOfWork):
    def __init__(self, *books: Book):
        super().__init__(producer="catalog")
        self.books = FakeBookRepository(*books)
        self.rollbacks = 0

    def _rollback(self) -> None:
        self.rollbacks += 1


class FakeStorage:
    """PDF keys in a set: what was put and not deleted."""

    def __init__(self):
        self.kept: set[str] = set()
        self._keys = itertools.count(1)

    def put(self, path: Path) -> str:
        key = f"pdf-{next(self._keys)}"
        self.kept.add(key)
        return key

    def delete(self, key: str) -> None:
        self.kept.discard(key)


def book(book_id: int | None = 1, *, title: str = "Dune", stock: int = 10,
         pdf_key: str | None = "k1", generated: Generated | None = None) -> Book:
    return Book(id=book_id, title=title, author="Frank Herbert", price=Decimal("9.99"),
                stock=StockState.new(stock), pdf_key=pdf_key,
                generated=generated or Generated(status="pending"))


def lines(*book_ids: int) -> list[OrderLine]:
    return [OrderLine(book_id=b, quantity=1) for b in book_ids]


def confirmed(order_id: int, user_id: int, *book_ids: int) -> OrderConfirmed:
    return OrderConfirmed(order_id=order_id, user_id=user_id, items=lines(*book_ids))


def cancelled(order_id: int, user_id: int, *book_ids: int) -> OrderCancelled:
    return OrderCancelled(order_id=order_id, user_id=user_id, reason="cancelled_by_user",
                          previous_status="PROCESSING", items=lines(*book_ids))


def handle(uow, *events):
    """Apply events through the registry as the consumer does; what the unit of work published."""
    apply_events(HANDLERS.bind(), uow, *events)
    return uow.published_payloads()


@pytest.fixture
def make_uow():
    """A fake unit of work holding the given books."""
    return FakeCatalogUnitOfWork


@pytest.fixture
def storage() -> FakeStorage:
    return FakeStorage()


@pytest.fixture
def pdf(tmp_path) -> NewPdf:
    """A staged one-page upload (the commands check it with pypdf before storing it)."""
    doc = FPDF()
    doc.add_page()
    path = tmp_path / "upload.pdf"
    path.write_bytes(bytes(doc.output()))
    return NewPdf(path=path, size=path.stat().st_size, sha256="0" * 64)


@pytest.fixture
def ev() -> SimpleNamespace:
    """Builders and the dispatch helper (test modules cannot import each other)."""
    return SimpleNamespace(book=book, confirmed=confirmed, cancelled=cancelled, handle=handle)
