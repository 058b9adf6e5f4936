"""Internal read endpoint for operators and tests (not under /api, not in the OpenAPI document)."""
from __future__ import annotations

from datetime import datetime

from bookstore_shared.errors import ApiError
from bookstore_shared.kit.container import UowDep
from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(prefix="/internal", include_in_schema=False)


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
def read_shipment(order_id: int, uow: UowDep) -> ShipmentRead:
    """An order's shipment and when it moves next (a tombstone is no shipment)."""
    found = uow.shipments.get_by_order(order_id)
    if found is None or found.tombstone:
        raise ApiError(404, "Shipment not found")
    return ShipmentRead(
        shipment_id=found.id, order_id=found.order_id, status=found.status.value,
        next_step_at=found.next_step_at, created_at=found.created_at,
        shipped_at=found.shipped_at, delivered_at=found.delivered_at,
        cancelled_at=found.cancelled_at)
