"""Per-book routes for signed-in readers: generated summary and description, and the PDF."""
from __future__ import annotations

from bookstore_shared.errors import ApiError
from bookstore_shared.kit.container import UowDep
from bookstore_shared.security import AdminUser, CurrentUser
from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse

from ..domain.book import Book
from ..domain.exceptions import NoPdf
from ..service_layer import commands, views
from .deps import StorageDep, known_id
from .schemas import DescriptionRead, Message, Pending, SummaryRead

router = APIRouter(tags=["books"])
CHUNK = 256 * 1024
_TEXT_RESPONSES = {202: {"model": Pending, "description": "Not generated yet"},
                   404: {"model": Message}, 409: {"model": Message, "description": "No text"},
                   503: {"model": Message, "description": "Generation failed"}}


def _generated(book: Book, kind: str) -> JSONResponse:
    """200 with the text once ready; 202 pending; 409 no text in the PDF; 503 failed."""
    if not book.pdf_key:
        raise NoPdf()
    g = book.generated
    text = g.summary if kind == "summary" else g.description
    if g.status == "ready" and text:
        return JSONResponse({kind: text})
    if kind == "description" and book.description and g.status != "ready":
        return JSONResponse({kind: book.description})
    if g.status == "no_text":
        return JSONResponse({"message": "No text could be extracted from this PDF",
                               "status": "no_text"}, status_code=409)
    if g.status == "failed":
        return JSONResponse({"message": "Summary generation failed", "status": "failed",
                               "error": g.error or "the provider did not answer"},
                              status_code=503)
    return JSONResponse({"status": "pending"}, status_code=202)


@router.get("/books/{book_id}/summary", response_model=SummaryRead, responses=_TEXT_RESPONSES)
def get_summary(book_id: int, _user: CurrentUser, uow: UowDep):
    """The summary generated from the book's PDF (202 while it is being written)."""
    return _generated(views.get_book(uow, book_id=known_id(book_id)), "summary")


@router.get("/books/{book_id}/description", response_model=DescriptionRead,
            responses=_TEXT_RESPONSES)
def get_description(book_id: int, _user: CurrentUser, uow: UowDep):
    """The short description generated from the PDF (the admin's while none is ready)."""
    return _generated(views.get_book(uow, book_id=known_id(book_id)), "description")


def _regenerate(book_id: int, uow) -> JSONResponse:
    commands.regenerate_texts(uow, book_id=known_id(book_id))
    return JSONResponse({"status": "pending"}, status_code=202)


@router.post("/books/{book_id}/summary", status_code=202, response_model=Pending,
             responses={404: {"model": Message}})
def regenerate_summary(book_id: int, _admin: AdminUser, uow: UowDep):
    """Write the summary and description again from the PDF (admin)."""
    return _regenerate(book_id, uow)


@router.post("/books/{book_id}/description", status_code=202, response_model=Pending,
             responses={404: {"model": Message}})
def regenerate_description(book_id: int, _admin: AdminUser, uow: UowDep):
    """Same as regenerating the summary: both texts are written together (admin)."""
    return _regenerate(book_id, uow)


def pdf_etag(book: Book) -> str | None:
    """A strong validator of the stored PDF: a replaced PDF is stored under a new key."""
    return f'"{book.pdf_key}"' if book.pdf_key else None


def pdf_response(book: Book, storage) -> StreamingResponse:
    """Stream a book's stored PDF as an attachment."""
    if not book.pdf_key:
        raise NoPdf()
    try:
        fh = storage.open(book.pdf_key)
    except FileNotFoundError:
        raise NoPdf() from None

    def chunks():
        with fh:
            while data := fh.read(CHUNK):
                yield data

    headers = {"Content-Disposition": f'attachment; filename="book-{book.id}.pdf"',
               "ETag": pdf_etag(book)}
    if book.pdf_size is not None:
        headers["Content-Length"] = str(book.pdf_size)
    return StreamingResponse(chunks(), media_type="application/pdf", headers=headers)


@router.get("/books/{book_id}/pdf", response_class=StreamingResponse,
            responses={200: {"content": {"application/pdf": {}}}, 403: {"model": Message},
                       404: {"model": Message}})
def download_pdf(book_id: int, user: CurrentUser, uow: UowDep, storage: StorageDep):
    """The book's PDF, for admins and for buyers with a confirmed order of it."""
    book = views.get_book(uow, book_id=known_id(book_id))
    if not user.is_admin and not views.may_download(uow, user_id=user.user_id, book_id=book.id):
        raise ApiError(403, "Purchase required",
                       error="the PDF is available after a confirmed order of this book")
    # UowDep closes only once the response is sent: end the read, hold no connection while
    # the PDF streams.
    uow.rollback()
    return pdf_response(book, storage)
