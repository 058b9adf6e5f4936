"""Integration events for order changes (written to the outbox by the handlers)."""
from __future__ import annotations

from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    OrderCancelled,
    OrderConfirmed,
    OrderLine,
    OrderPlaced,
    OrderStatusChanged,
)

from ..domain.model import Order, OrderStatus, StatusChange

PRODUCER = "order"


def _items(order: Order) -> list[OrderLine]:
    return [OrderLine(book_id=line.book_id, quantity=line.quantity, unit_price=line.unit_price,
                      title=line.title) for line in order.lines]


def placed_events(order: Order) -> list[Envelope]:
    """`order.placed` and the first `order.status_changed` (PENDING) of a new order."""
    placed = OrderPlaced(order_id=order.id, user_id=order.user_id, items=_items(order))
    status = OrderStatusChanged(order_id=order.id, user_id=order.user_id,
                                status=OrderStatus.PENDING.value)
    return [Envelope.wrap(placed, producer=PRODUCER), Envelope.wrap(status, producer=PRODUCER)]


def change_events(order: Order, changes: list[StatusChange], *,
                  causation: Envelope | None = None) -> list[Envelope]:
    """For each transition: `order.status_changed`, plus `order.confirmed` / `order.cancelled`."""
    out: list[Envelope] = []
    for change in changes:
        out.append(Envelope.wrap(OrderStatusChanged(
            order_id=order.id, user_id=order.user_id, status=change.status.value,
            previous_status=change.previous.value, reason=change.reason),
            producer=PRODUCER, causation=causation))
        if change.status is OrderStatus.PROCESSING:
            out.append(Envelope.wrap(OrderConfirmed(
                order_id=order.id, user_id=order.user_id, items=_items(order)),
                producer=PRODUCER, causation=causation))
        elif change.status is OrderStatus.CANCELLED:
            out.append(Envelope.wrap(OrderCancelled(
                order_id=order.id, user_id=order.user_id, reason=change.reason or "cancelled",
                previous_status=change.previous.value, items=_items(order)),
                producer=PRODUCER, causation=causation))
    return out
