"""The console's books: add (with the PDF), edit, change stock, delete, regenerate a summary."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.datastructures import FormData, UploadFile

from ..domain.paging import Page, page_number
from .pages import FormDep, VisitorDep, redirect, render
from .visitor import PageNotFound, Visitor, require_admin

router = APIRouter(prefix="/console", include_in_schema=False)

BookId = Annotated[int, Path(ge=1, le=2**63 - 1)]
FIELDS = ("title", "author", "price", "stock", "description")


def _fields(form: FormData, *, keep_blank: bool) -> dict[str, str]:
    values = {name: form.get(name) for name in FIELDS}
    return {k: v.strip() for k, v in values.items()
            if isinstance(v, str) and (keep_blank or v.strip())}


async def _pdf(form: FormData) -> dict | None:
    upload = form.get("pdf")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None  # no file chosen: browsers still send an empty part
    return {"pdf": (upload.filename, await upload.read(), "application/pdf")}


def _refusal(answer) -> str:
    body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") \
        else {}
    if answer.status_code == 413:
        return "The PDF is too large."
    return " — ".join(x for x in (body.get("message"), body.get("error")) if x) or \
        f"The API refused the change ({answer.status_code})."


async def _books_page(request: Request, who: Visitor, *, status: int = 200, error=None,
                      values=None, notice=None):
    size = 50
    number = page_number(request.query_params.get("page"))
    answer = await who.api("GET", "/books", params={"limit": size, "offset": (number - 1) * size})
    books = answer.json() if answer.status_code == 200 else []
    page = Page(number, size, int(answer.headers.get("x-total-count", len(books))))
    return render(request, who, "console/books.html", status=status, books=books, page=page,
                  error=error, values=values or {}, notice=notice or request.query_params.get(
                      "notice"))


@router.get("/books")
async def books(request: Request, who: VisitorDep):
    """Every book, and the form to add one."""
    require_admin(who)
    return await _books_page(request, who)


@router.post("/books")
async def add_book(request: Request, who: VisitorDep, form: FormDep):
    """Add a book with its PDF (multipart, as the API takes it)."""
    require_admin(who)
    values = _fields(form, keep_blank=False)
    answer = await who.api("POST", "/books", data=values, files=await _pdf(form))
    if answer.status_code == 201:
        return redirect(who, f"/console/books?notice=added-{answer.json()['book_id']}")
    return await _books_page(request, who, status=400, error=_refusal(answer), values=values)


async def _book(who: Visitor, book_id: int) -> dict:
    answer = await who.api("GET", f"/books/{book_id}")
    if answer.status_code != 200:
        raise PageNotFound("This book is not in the store.")
    return answer.json()


@router.get("/books/{book_id}")
async def edit_page(request: Request, who: VisitorDep, book_id: BookId):
    """One book's edit form, with delete and regenerate-summary buttons."""
    require_admin(who)
    return render(request, who, "console/book.html", book=await _book(who, book_id), error=None,
                  notice=request.query_params.get("notice"))


@router.post("/books/{book_id}")
async def edit(request: Request, who: VisitorDep, form: FormDep, book_id: BookId):
    """Change the fields that were filled in (and the PDF when one is chosen)."""
    require_admin(who)
    changes = _fields(form, keep_blank=False)
    answer = await who.api("PATCH", f"/books/{book_id}", data=changes, files=await _pdf(form))
    if answer.status_code == 200:
        return redirect(who, f"/console/books/{book_id}?notice=saved")
    return render(request, who, "console/book.html", status=400, book=await _book(who, book_id),
                  error=_refusal(answer), notice=None)


@router.post("/books/{book_id}/delete")
async def delete(request: Request, who: VisitorDep, form: FormDep, book_id: BookId):
    require_admin(who)
    answer = await who.api("DELETE", f"/books/{book_id}")
    if answer.status_code not in (200, 404):
        return render(request, who, "console/book.html", status=400,
                      book=await _book(who, book_id), error=_refusal(answer), notice=None)
    return redirect(who, "/console/books?notice=deleted")


@router.post("/books/{book_id}/summary")
async def regenerate(request: Request, who: VisitorDep, form: FormDep, book_id: BookId):
    """Ask the AI service for a new summary (it arrives later)."""
    require_admin(who)
    answer = await who.api("POST", f"/books/{book_id}/summary")
    if answer.status_code != 202:
        return render(request, who, "console/book.html", status=400,
                      book=await _book(who, book_id), error=_refusal(answer), notice=None)
    return redirect(who, f"/console/books/{book_id}?notice=summary")
