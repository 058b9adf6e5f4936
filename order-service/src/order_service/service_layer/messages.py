"""Integration events for order changes (emitted through the unit of work, which wraps them)."""
from __future__ import annotations

from bookstore_shared.events.contracts import (
    EventPayload,
    OrderCancelled,
    OrderConfirmed,
    OrderLine,
    OrderPlaced,
    OrderStatusChanged,
)

from ..domain.model import Order, OrderStatus, StatusChange


def _items(order: Order) -> list[OrderLine]:
    return [OrderLine(book_id=line.book_id, quantity=line.quantity, unit_price=line.unit_price,
                      title=line.title) for line in order.lines]


def placed_events(order: Order) -> list[EventPayload]:
    """`order.placed`: also the news that the order is PENDING (no `order.status_changed`)."""
    return [OrderPlaced(order_id=order.id, user_id=order.user_id, items=_items(order))]


def change_events(order: Order, changes: list[StatusChange]) -> list[EventPayload]:
    """One event per transition: `order.confirmed` (PROCESSING) and `order.cancelled`
    (CANCELLED) say it themselves, `order.status_changed` says the others (SHIPPED,
    DELIVERED). ARCHITECTURE.md, "What is published is what another service needs"."""
    out: list[EventPayload] = []
    for change in changes:
        if change.status is OrderStatus.PROCESSING:
            out.append(OrderConfirmed(order_id=order.id, user_id=order.user_id,
                                      items=_items(order)))
        elif change.status is OrderStatus.CANCELLED:
            out.append(OrderCancelled(
                order_id=order.id, user_id=order.user_id, reason=change.reason or "cancelled",
                previous_status=change.previous.value, items=_items(order)))
        else:
            out.append(OrderStatusChanged(
                order_id=order.id, user_id=order.user_id, status=change.status.value,
                previous_status=change.previous.value, reason=change.reason))
    return out
