"""Generated texts follow the current PDF."""
from decimal import Decimal

from catalog_service.domain.book import Book
from catalog_service.domain.model import StockState


def _book() -> Book:
    book = Book(id=1, title="T", author="A", price=Decimal("1.00"), stock=StockState.new(1))
    book.pdf_replaced("a" * 32 + ".pdf", 10, "f" * 64)
    return book


def test_a_summary_of_the_current_pdf_is_stored():
    book = _book()
    assert book.summarized(pdf_key=book.pdf_key, status="ready", summary="S", description="D",
                           provider="offline", model="extractive", error=None)
    assert (book.generated.status, book.generated.summary, book.shown_description) == (
        "ready", "S", "D")


def test_a_summary_of_a_replaced_pdf_is_ignored():
    book = _book()
    old = book.pdf_key
    book.pdf_replaced("b" * 32 + ".pdf", 10, "e" * 64)
    assert not book.summarized(pdf_key=old, status="ready", summary="S", description="D",
                               provider="p", model="m", error=None)
    assert book.generated.status == "pending"


def test_the_admins_description_wins_over_the_generated_one():
    book = _book()
    book.description = "Given"
    book.summarized(pdf_key=book.pdf_key, status="ready", summary="S", description="D",
                    provider="p", model="m", error=None)
    assert book.shown_description == "Given"
