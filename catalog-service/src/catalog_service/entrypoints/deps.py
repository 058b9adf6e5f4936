"""Dependencies of the routes: the catalog container, the streamed book form, book ids."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from bookstore_shared.security import AdminUser
from fastapi import Depends, Request

from ..domain.exceptions import BookNotFound
from ..service_layer.handlers import CatalogDeps, NewPdf
from .forms import BookForm, read_book_form

MAX_ID = 2**62


def catalog(request: Request) -> CatalogDeps:
    """The command dependencies wired by bootstrap()."""
    return request.app.state.catalog.deps


async def book_form(request: Request, _admin: AdminUser) -> AsyncIterator[BookForm]:
    """The request's form, read only after the caller is known to be an admin."""
    container = request.app.state.catalog
    form = await read_book_form(request, storage=container.deps.storage,
                                max_file=container.settings.max_upload_bytes)
    try:
        yield form
    finally:
        form.discard()


def staged_pdf(form: BookForm) -> NewPdf | None:
    """The staged upload as the handlers take it."""
    if form.pdf is None:
        return None
    return NewPdf(path=form.pdf.path, size=form.pdf.size, sha256=form.pdf.sha256)


def known_id(book_id: int) -> int:
    """Ids outside the stored range cannot exist: 404, like any unknown id."""
    if not 1 <= book_id <= MAX_ID:
        raise BookNotFound()
    return book_id


CatalogDep = Annotated[CatalogDeps, Depends(catalog)]
BookFormDep = Annotated[BookForm, Depends(book_form)]
