"""Routes for other services only (not under /api, not in OpenAPI, never routed by the gateway)."""
from __future__ import annotations

from fastapi import APIRouter

from ..service_layer import views
from .deps import CatalogDep, known_id
from .schemas import BookInternal
from .texts import pdf_response

router = APIRouter(prefix="/internal", include_in_schema=False)


@router.get("/books/{book_id}", response_model=BookInternal)
def internal_book(book_id: int, catalog: CatalogDep):
    """A book with its exact price (order-service asks when its read model lacks the book)."""
    return BookInternal.of(views.get_book(sessions=catalog.sessions, book_id=known_id(book_id)))


@router.get("/books/{book_id}/pdf")
def internal_pdf(book_id: int, catalog: CatalogDep):
    """A book's PDF (notification-service attaches it to purchase emails)."""
    book = views.get_book(sessions=catalog.sessions, book_id=known_id(book_id))
    return pdf_response(book, catalog.storage)
