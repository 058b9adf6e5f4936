"""Request/response shapes of the book endpoints (BookRead and friends)."""
from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel

from ..domain.book import Book


def money(value: Decimal) -> float:
    """A JSON number with at most two decimals (the shortest float repr of a 2-place decimal)."""
    return float(value.quantize(Decimal("0.01")))


class BookRead(BaseModel):
    """A book as clients see it (the seed's object)."""

    id: int
    title: str
    author: str
    price: float
    stock: int
    description: str | None = None

    @classmethod
    def of(cls, book: Book) -> BookRead:
        return cls(**book_fields(book))


def book_fields(book: Book) -> dict:
    """BookRead's fields, in its order, as plain values (the read path renders them directly)."""
    return {"id": book.id, "title": book.title, "author": book.author, "price": money(book.price),
            "stock": book.stock.shown, "description": book.shown_description}


class BookInternal(BaseModel):
    """A book for other services: the price as an exact decimal string."""

    id: int
    title: str
    author: str
    price: str
    stock: int
    stock_version: int

    @classmethod
    def of(cls, book: Book) -> BookInternal:
        return cls(id=book.id, title=book.title, author=book.author,
                   price=str(book.price.quantize(Decimal("0.01"))), stock=book.stock.shown,
                   stock_version=book.stock.published_version)


class BookCreated(BaseModel):
    message: str = "Book added successfully"
    book_id: int


class Message(BaseModel):
    message: str


class Pending(BaseModel):
    status: str = "pending"


class SummaryRead(BaseModel):
    summary: str


class DescriptionRead(BaseModel):
    description: str
