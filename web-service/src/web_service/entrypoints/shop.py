"""The storefront's catalogue: the book list with search and paging, a book's page, buying."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse

from ..domain.paging import Page, page_number
from .pages import FormDep, VisitorDep, redirect, render
from .visitor import PageNotFound, Visitor

router = APIRouter(prefix="/shop", include_in_schema=False)

BookId = Annotated[int, Path(ge=1, le=2**63 - 1)]
MAX_QUANTITY = 99


@router.get("")
async def shop_root() -> RedirectResponse:
    return RedirectResponse("/shop/", status_code=308)


@router.get("/")
async def book_list(request: Request, who: VisitorDep):
    """Books, newest first: `?q=` searches titles and authors, `?author=` filters, `?page=`."""
    q = request.query_params.get("q", "").strip()[:200]
    author = request.query_params.get("author", "").strip()[:200]
    size = request.app.state.web.settings.web_page_size
    number = page_number(request.query_params.get("page"))
    params = {"limit": size, "offset": (number - 1) * size}
    if q:
        params["q"] = q
    if author:
        params["author"] = author
    answer = await who.api("GET", "/books", params=params)
    books = answer.json() if answer.status_code == 200 else []
    page = Page(number, size, int(answer.headers.get("x-total-count", len(books))))
    return render(request, who, "shop/books.html", books=books, q=q, author=author, page=page)


async def _book(who: Visitor, book_id: int) -> dict:
    answer = await who.api("GET", f"/books/{book_id}")
    if answer.status_code != 200:
        raise PageNotFound("This book is not in the store.")
    return answer.json()


async def _summary(who: Visitor, book_id: int) -> tuple[str, str | None]:
    """("ready", text), ("pending", None), ("none", None) or ("login", None)."""
    if who.user is None:
        return "login", None
    answer = await who.api("GET", f"/books/{book_id}/summary")
    if answer.status_code == 200:
        return "ready", answer.json().get("summary")
    if answer.status_code == 202:
        return "pending", None
    return "none", None


@router.get("/books/{book_id}")
async def book_page(request: Request, who: VisitorDep, book_id: BookId):
    """A book: description, AI summary, price, stock and the Buy form."""
    book = await _book(who, book_id)
    state, summary = await _summary(who, book_id)
    return render(request, who, "shop/book.html", book=book, summary_state=state,
                  summary=summary, idempotency_key=uuid.uuid4().hex, error=None)


@router.get("/books/{book_id}/summary")
async def book_summary(request: Request, who: VisitorDep, book_id: BookId):
    """The summary fragment (htmx polls it while the summary is being written)."""
    state, summary = await _summary(who, book_id)
    return render(request, who, "shop/_summary.html", book={"id": book_id},
                  summary_state=state, summary=summary)


def _quantity(raw: object) -> int | None:
    if isinstance(raw, str) and raw.strip().isdigit() and 1 <= int(raw) <= MAX_QUANTITY:
        return int(raw)
    return None


@router.post("/books/{book_id}/buy")
async def buy(request: Request, who: VisitorDep, form: FormDep, book_id: BookId):
    """Place an order; the form's idempotency key makes a double submit one order."""
    if who.user is None:
        return redirect(who, f"/shop/login?next=/shop/books/{book_id}")
    quantity = _quantity(form.get("quantity"))
    key = form.get("idempotency_key")
    error = None
    if quantity is None:
        error = f"Choose a quantity between 1 and {MAX_QUANTITY}."
    elif not isinstance(key, str) or not 8 <= len(key) <= 64:
        error = "This form has expired; please try again."
    else:
        answer = await who.api("POST", "/orders", json={"book_id": book_id, "quantity": quantity},
                               headers={"Idempotency-Key": f"web-{key}"})
        if answer.status_code == 201:
            return redirect(who, f"/shop/orders/{answer.json()['order_id']}")
        error = _order_refusal(answer.status_code, answer.json())
    book = await _book(who, book_id)
    state, summary = await _summary(who, book_id)
    return render(request, who, "shop/book.html", status=400, book=book, summary_state=state,
                  summary=summary, idempotency_key=uuid.uuid4().hex, error=error)


def _order_refusal(status: int, body: dict) -> str:
    if body.get("message") == "Insufficient stock":
        return "Sorry, there are not enough copies in stock for that quantity."
    if status == 404:
        return "This book is no longer sold."
    if status == 503:
        return "The store is busy; please try again in a moment."
    return body.get("message") or "The order could not be placed; please try again."
