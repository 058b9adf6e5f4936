"""Domain errors as the contract's JSON answers."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ..adapters.storage import InvalidKey
from ..domain.exceptions import (
    BookNotFound,
    CatalogError,
    InvalidField,
    InvalidPdf,
    MissingFields,
    NoPdf,
    NothingToUpdate,
    UploadTooLarge,
)


def _answer(exc: Exception, max_upload_mb: float) -> tuple[int, dict]:
    if isinstance(exc, MissingFields):
        return 400, {"message": "Missing required fields", "error": f"missing: {', '.join(exc.fields)}"}
    if isinstance(exc, InvalidField):
        return 400, {"message": f"Invalid {exc.field}", "error": f"{exc.field} {exc.reason}"}
    if isinstance(exc, InvalidPdf):
        return 400, {"message": "Invalid PDF file", "error": str(exc)}
    if isinstance(exc, UploadTooLarge):
        return 413, {"message": "File too large",
                     "error": f"the PDF must not exceed {max_upload_mb:g} MB"}
    if isinstance(exc, BookNotFound):
        return 404, {"message": "Book not found"}
    if isinstance(exc, NoPdf):
        return 404, {"message": "No PDF for this book"}
    if isinstance(exc, NothingToUpdate):
        return 400, {"message": "Nothing to update",
                     "error": "give at least one of title, author, price, stock, description, pdf"}
    return 400, {"message": "Bad request", "error": str(exc)}


def install(app: FastAPI, *, max_upload_mb: float) -> None:
    """Register the catalog's error answers on the app."""

    async def _catalog_error(_: Request, exc: Exception):
        status, body = _answer(exc, max_upload_mb)
        return JSONResponse(body, status_code=status)

    async def _invalid_key(_: Request, __: Exception):
        return JSONResponse({"message": "No PDF for this book"}, status_code=404)

    app.add_exception_handler(CatalogError, _catalog_error)
    app.add_exception_handler(InvalidKey, _invalid_key)
