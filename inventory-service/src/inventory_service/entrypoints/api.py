"""Internal read endpoints for operators and tests (not under /api, not in the OpenAPI document)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from bookstore_shared.db import session_scope
from bookstore_shared.errors import ApiError
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ..adapters import repository as repo

router = APIRouter(prefix="/internal", include_in_schema=False)


def _session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.runtime.sessions) as session:
        yield session


SessionDep = Annotated[Session, Depends(_session)]


class StockRead(BaseModel):
    book_id: int
    available: int
    stock_version: int | None
    deleted: bool


class ReservationRead(BaseModel):
    order_id: int
    status: str
    reason: str | None
    items: list[dict]


@router.get("/stock/{book_id}", response_model=StockRead)
def read_stock(book_id: int, session: SessionDep) -> StockRead:
    """A book's available stock as inventory holds it."""
    level = repo.get_level(session, book_id)
    if level is None:
        raise ApiError(404, "Stock not found")
    return StockRead(book_id=level.book_id, available=level.available,
                     stock_version=level.stock_version, deleted=level.deleted)


@router.get("/reservations/{order_id}", response_model=ReservationRead)
def read_reservation(order_id: int, session: SessionDep) -> ReservationRead:
    """An order's reservation state (RESERVED, REJECTED, RELEASED or CANCELLED)."""
    row = repo.get_reservation(session, order_id)
    if row is None:
        raise ApiError(404, "Reservation not found")
    return ReservationRead(order_id=row.order_id, status=row.status, reason=row.reason,
                           items=list(row.items))
