"""Internal read endpoint for operators and tests (not under /api, not in the OpenAPI document)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
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


class ShipmentRead(BaseModel):
    shipment_id: int
    order_id: int
    status: str
    next_step_at: datetime | None
    created_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None


@router.get("/shipments/{order_id}", response_model=ShipmentRead)
def read_shipment(order_id: int, session: SessionDep) -> ShipmentRead:
    """An order's shipment and when it moves next."""
    row = repo.get_by_order(session, order_id)
    if row is None or row.tombstone:
        raise ApiError(404, "Shipment not found")
    return ShipmentRead(
        shipment_id=row.id, order_id=row.order_id, status=row.status,
        next_step_at=repo.as_utc(row.next_step_at), created_at=repo.as_utc(row.created_at),
        shipped_at=repo.as_utc(row.shipped_at), delivered_at=repo.as_utc(row.delivered_at),
        cancelled_at=repo.as_utc(row.cancelled_at))
