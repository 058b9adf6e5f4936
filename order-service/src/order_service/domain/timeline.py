"""One entry of an order's stored event timeline (what happened to the order, and after it)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class OrderEvent:
    """An event that happened to an order: its envelope's id, routing key, producer and time,
    the order's status once it was applied, and a short detail (a cancel reason, a transition)."""

    order_id: int
    event_id: str
    type: str
    producer: str
    occurred_at: datetime
    status: str
    detail: str | None = None
