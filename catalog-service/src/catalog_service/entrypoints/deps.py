"""Dependencies of the routes: the catalog container's parts, the streamed book form, book ids.

Routes that touch the database take the kit's `UowDep`; these give the rest of the container.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

from bookstore_shared.security import AdminUser
from fastapi import Depends, Request

from ..adapters.storage import FileStorage
from ..domain.exceptions import BookNotFound
from ..service_layer.commands import NewPdf
from .forms import BookForm, read_book_form
from .reads import BookReads

if TYPE_CHECKING:
    from ..bootstrap import CatalogContainer

MAX_ID = 2**62


def container(request: Request) -> CatalogContainer:
    """What bootstrap() wired (the only thing the app keeps besides the token verifier)."""
    return request.app.state.container


async def storage(request: Request) -> FileStorage:
    """Where PDFs are kept (async: a plain attribute read needs no worker thread)."""
    return container(request).storage


def reads(request: Request) -> BookReads:
    """The cached read path (called directly: a cache hit costs no dependency and no thread)."""
    return container(request).reads


async def book_form(request: Request, _admin: AdminUser) -> AsyncIterator[BookForm]:
    """The request's form, read only after the caller is known to be an admin."""
    catalog = container(request)
    form = await read_book_form(request, storage=catalog.storage,
                                max_file=catalog.settings.max_upload_bytes)
    try:
        yield form
    finally:
        form.discard()


def staged_pdf(form: BookForm) -> NewPdf | None:
    """The staged upload as the commands take it."""
    if form.pdf is None:
        return None
    return NewPdf(path=form.pdf.path, size=form.pdf.size, sha256=form.pdf.sha256)


def known_id(book_id: int) -> int:
    """Ids outside the stored range cannot exist: 404, like any unknown id."""
    if not 1 <= book_id <= MAX_ID:
        raise BookNotFound()
    return book_id


StorageDep = Annotated[FileStorage, Depends(storage)]
BookFormDep = Annotated[BookForm, Depends(book_form)]
