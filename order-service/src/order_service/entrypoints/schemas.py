"""Response schemas (money as JSON numbers with at most two decimals)."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from ..domain.model import Order
from ..domain.timeline import OrderEvent


class OrderLineRead(BaseModel):
    book_id: int
    quantity: int
    unit_price: float
    title: str


class OrderRead(BaseModel):
    id: int
    user_id: int
    status: str
    items: list[OrderLineRead]
    total: float
    created_at: datetime | None
    cancel_reason: str | None

    @classmethod
    def of(cls, order: Order) -> OrderRead:
        return cls(id=order.id, user_id=order.user_id, status=order.status.value,
                   items=[OrderLineRead(book_id=line.book_id, quantity=line.quantity,
                                        unit_price=float(line.unit_price), title=line.title)
                          for line in order.lines],
                   total=float(order.total), created_at=order.created_at,
                   cancel_reason=order.cancel_reason)


class OrderPlacedRead(BaseModel):
    message: str = "Order placed successfully"
    order_id: int


class OrderCancelledRead(BaseModel):
    message: str = "Order cancelled successfully"
    status: str


class OrderEventRead(BaseModel):
    """One entry of an order's timeline: the event's id, routing key, producer and time, the
    order's status after it, and a short detail."""

    id: str
    type: str
    producer: str
    occurred_at: datetime
    status: str
    detail: str | None

    @classmethod
    def of(cls, event: OrderEvent) -> OrderEventRead:
        return cls(id=event.event_id, type=event.type, producer=event.producer,
                   occurred_at=event.occurred_at, status=event.status, detail=event.detail)
