"""Internal read endpoints for operators and tests (not under /api, not in the OpenAPI document)."""
from __future__ import annotations

from bookstore_shared.errors import ApiError
from bookstore_shared.kit.container import UowDep
from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(prefix="/internal", include_in_schema=False)


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
def read_stock(book_id: int, uow: UowDep) -> StockRead:
    """A book's available stock as inventory holds it."""
    level = uow.inventory.get_level(book_id)
    if level is None:
        raise ApiError(404, "Stock not found")
    return StockRead(book_id=level.book_id, available=level.available,
                     stock_version=level.stock_version, deleted=level.deleted)


@router.get("/reservations/{order_id}", response_model=ReservationRead)
def read_reservation(order_id: int, uow: UowDep) -> ReservationRead:
    """An order's reservation state (RESERVED, REJECTED, RELEASED or CANCELLED)."""
    found = uow.inventory.get_reservation(order_id)
    if found is None:
        raise ApiError(404, "Reservation not found")
    return ReservationRead(order_id=found.order_id, status=found.status.value,
                           reason=found.reason, items=found.items)
