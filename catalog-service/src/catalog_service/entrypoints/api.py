"""Public book routes of CONTRACT.md: list and read (from memory, see reads.py), add, update,
delete."""
from __future__ import annotations

from typing import Annotated

from bookstore_shared.kit.container import UowDep
from bookstore_shared.security import AdminUser
from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from ..domain.model import validate_changes, validate_new_book
from ..service_layer import commands
from .deps import BookFormDep, StorageDep, known_id, reads, staged_pdf
from .reads import answer
from .schemas import BookCreated, BookRead, Message

router = APIRouter(tags=["books"])


_NOT_MODIFIED = {304: {"description": "Unchanged since the ETag sent in `If-None-Match`"}}


@router.get("/books", response_model=list[BookRead], responses=_NOT_MODIFIED)
async def list_books(request: Request,
                     q: Annotated[str | None, Query(max_length=200)] = None,
                     author: Annotated[str | None, Query(max_length=255)] = None,
                     limit: Annotated[int, Query(ge=1, le=200)] = 50,
                     offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0):
    """All books, oldest first; `q` searches title and author, `author` filters exactly."""
    books, key = reads(request), (q, author, limit, offset)
    page = books.cache.page(key) or await run_in_threadpool(
        books.load_page, key, q=q, author=author, limit=limit, offset=offset)
    return answer(request, page)


@router.get("/books/{book_id}", response_model=BookRead,
            responses={404: {"model": Message, "description": "Book not found"}, **_NOT_MODIFIED})
async def get_book(book_id: int, request: Request):
    """One book; `description` is the admin's, else the one generated from its PDF."""
    books = reads(request)
    book = books.cache.item(book_id) or await run_in_threadpool(books.load_item,
                                                                known_id(book_id))
    return answer(request, book)


@router.post("/books", status_code=201, response_model=BookCreated,
             responses={400: {"model": Message}, 401: {"model": Message},
                        403: {"model": Message}, 413: {"model": Message}})
def add_book(_admin: AdminUser, form: BookFormDep, uow: UowDep, storage: StorageDep):
    """Add a book (multipart: title, author, price, stock, pdf; optional description)."""
    fields = validate_new_book(form.fields, has_pdf=form.pdf is not None)
    book_id = commands.add_book(uow, storage=storage, fields=fields, pdf=staged_pdf(form))
    return BookCreated(book_id=book_id)


@router.patch("/books/{book_id}", response_model=Message,
              responses={400: {"model": Message}, 404: {"model": Message},
                         413: {"model": Message}})
def update_book(book_id: int, _admin: AdminUser, form: BookFormDep, uow: UowDep,
                storage: StorageDep):
    """Change any of title, author, price, stock, description, pdf (a new PDF replaces the old)."""
    changes = validate_changes(form.fields)
    commands.update_book(uow, storage=storage, book_id=known_id(book_id), changes=changes,
                         pdf=staged_pdf(form))
    return Message(message="Book updated successfully")


@router.delete("/books/{book_id}", response_model=Message,
               responses={404: {"model": Message}})
def delete_book(book_id: int, _admin: AdminUser, uow: UowDep, storage: StorageDep):
    """Delete a book and its PDF."""
    commands.delete_book(uow, storage=storage, book_id=known_id(book_id))
    return Message(message="Book deleted successfully")
