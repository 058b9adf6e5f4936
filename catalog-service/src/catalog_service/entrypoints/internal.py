"""Routes for other services only (not under /api, not in OpenAPI, never routed by the gateway)."""
from __future__ import annotations

from typing import Annotated

from bookstore_shared.kit.container import UowDep
from fastapi import APIRouter, Header, Request, Response

from ..service_layer import views
from .deps import StorageDep, container, known_id
from .schemas import BookInternal
from .texts import pdf_etag, pdf_response

router = APIRouter(prefix="/internal", include_in_schema=False)


@router.get("/books/{book_id}", response_model=BookInternal)
def internal_book(book_id: int, uow: UowDep):
    """A book with its exact price (order-service asks when its read model lacks the book)."""
    return BookInternal.of(views.get_book(uow, book_id=known_id(book_id)))


@router.get("/books/{book_id}/pdf")
def internal_pdf(book_id: int, uow: UowDep, storage: StorageDep, request: Request,
                 if_none_match: Annotated[str | None, Header()] = None):
    """A book's PDF (notification-service attaches it to purchase emails). Its ETag names the
    stored file: a caller holding that copy gets 304 without the file being read again, and may
    use it without asking for `BOOKSTORE_PDF_MAX_AGE_S` (Cache-Control: max-age)."""
    book = views.get_book(uow, book_id=known_id(book_id))
    # UowDep closes only once the response is sent: end the read, hold no connection while
    # the PDF streams.
    uow.rollback()
    etag = pdf_etag(book)
    fresh = {"Cache-Control": f"private, max-age={container(request).settings.pdf_max_age_s}"}
    if etag is not None and if_none_match == etag:
        return Response(status_code=304, headers={"ETag": etag, **fresh})
    response = pdf_response(book, storage)
    response.headers.update(fresh)
    return response
