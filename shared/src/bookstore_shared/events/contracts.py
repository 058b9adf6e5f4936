"""Typed payloads of every event type. A breaking change gets a new `version`."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class EventPayload(BaseModel):
    """Base of all payloads: consumers ignore unknown fields."""

    model_config = ConfigDict(extra="ignore")

    routed_by: ClassVar[str | None] = None
    """The field whose value extends the routing key to `<type>.<value>` (`routing.routing_key`),
    so a queue can be bound to the values it acts on; None: the routing key is the type."""


class UserRegistered(EventPayload):
    user_id: int
    username: str
    email: str


class SessionRevoked(EventPayload):
    session_id: str
    user_id: int
    expires_at: datetime


class BookChanged(EventPayload):
    """Shared shape of book.created and book.updated."""

    book_id: int
    title: str
    author: str
    price: Decimal
    stock: int | None = None
    stock_version: int | None = None
    pdf_key: str | None = None
    pdf_changed: bool = False
    description_given: bool = False


class BookCreated(BookChanged):
    pass


class BookUpdated(BookChanged):
    pass


class BookDeleted(EventPayload):
    book_id: int


class BookSummarized(EventPayload):
    book_id: int
    pdf_key: str
    status: Literal["ready", "no_text", "failed"]
    summary: str | None = None
    description: str | None = None
    provider: str | None = None
    model: str | None = None
    error: str | None = None


class OrderLine(BaseModel):
    model_config = ConfigDict(extra="ignore")
    book_id: int
    quantity: int = Field(ge=1)
    unit_price: Decimal | None = None
    title: str | None = None


class OrderPlaced(EventPayload):
    order_id: int
    user_id: int
    items: list[OrderLine]


class BookStock(BaseModel):
    """One book's stock as inventory reports it (the fields of `inventory.stock_changed`)."""

    model_config = ConfigDict(extra="ignore")
    book_id: int
    stock: int
    stock_version: int | None = None
    # Grows with every change inventory makes to the book's stock (admin sets, reservations,
    # releases): replicas publish through separate relays, so order reports by it, not by arrival.
    revision: int | None = None


class InventoryReserved(EventPayload):
    order_id: int
    items: list[OrderLine]
    # The reserved books' stock right after the reservation. The stock read models (order,
    # catalog) take it from here: a reservation publishes no `inventory.stock_changed` of its own.
    # Empty from an inventory service older than this field, which published those instead.
    stock_after: list[BookStock] = []

    def stock_reports(self) -> list[StockChanged]:
        """`stock_after`, each book as an `inventory.stock_changed` would have reported it."""
        return [StockChanged(book_id=s.book_id, stock=s.stock, stock_version=s.stock_version,
                             revision=s.revision) for s in self.stock_after]


class InventoryRejected(EventPayload):
    order_id: int
    reason: str
    book_ids: list[int] = []


class InventoryReleased(EventPayload):
    order_id: int
    items: list[OrderLine]


class StockChanged(EventPayload):
    """A book's stock after an admin set or a release (a reservation reports it in
    `inventory.reserved`); the fields are BookStock's."""

    book_id: int
    stock: int
    stock_version: int | None = None
    revision: int | None = None  # see BookStock


class OrderConfirmed(EventPayload):
    order_id: int
    user_id: int
    items: list[OrderLine]


class OrderCancelled(EventPayload):
    order_id: int
    user_id: int
    reason: str
    previous_status: str
    items: list[OrderLine]


class OrderStatusChanged(EventPayload):
    """An order's new status where no event of its own says it: SHIPPED or DELIVERED.

    order.placed, order.confirmed and order.cancelled say PENDING, PROCESSING and CANCELLED
    (`STATUS_SAID_BY`). Other statuses stay valid: an order service from before sent them too."""

    routed_by: ClassVar[str | None] = "status"  # order.status_changed.SHIPPED, ...

    order_id: int
    user_id: int
    status: str
    previous_status: str | None = None
    reason: str | None = None


class ShipmentUpdated(EventPayload):
    """A shipment's progress, as shipping publishes it: READY, DELIVERED or CANCELLED.

    PREPARING and SHIPPED stay valid: a shipping service from before published them too."""

    routed_by: ClassVar[str | None] = "status"  # shipment.updated.READY, ...

    shipment_id: int
    order_id: int
    status: Literal["PREPARING", "READY", "SHIPPED", "DELIVERED", "CANCELLED"]


class NotificationBroadcast(EventPayload):
    message: str


# event type -> (version -> payload model)
REGISTRY: dict[str, dict[int, type[EventPayload]]] = {
    "user.registered": {1: UserRegistered},
    "auth.session_revoked": {1: SessionRevoked},
    "book.created": {1: BookCreated},
    "book.updated": {1: BookUpdated},
    "book.deleted": {1: BookDeleted},
    "book.summarized": {1: BookSummarized},
    "order.placed": {1: OrderPlaced},
    "inventory.reserved": {1: InventoryReserved},
    "inventory.rejected": {1: InventoryRejected},
    "inventory.released": {1: InventoryReleased},
    "inventory.stock_changed": {1: StockChanged},
    "order.confirmed": {1: OrderConfirmed},
    "order.cancelled": {1: OrderCancelled},
    "order.status_changed": {1: OrderStatusChanged},
    "shipment.updated": {1: ShipmentUpdated},
    "notification.broadcast": {1: NotificationBroadcast},
}

_BY_MODEL = {model: (key, version) for key, versions in REGISTRY.items()
             for version, model in versions.items()}


def event_type_of(payload: BaseModel) -> tuple[str, int]:
    """Event type and version of a payload instance."""
    try:
        return _BY_MODEL[type(payload)]
    except KeyError:
        raise ValueError(f"{type(payload).__name__} is not a registered event payload") from None


def payload_model(event_type: str, version: int = 1) -> type[EventPayload]:
    """The payload model for an event type and version; ValueError when unknown."""
    try:
        return REGISTRY[event_type][version]
    except KeyError:
        raise ValueError(f"unknown event {event_type!r} version {version}") from None


# One event per status an order takes: these say theirs, `order.status_changed` the others
# (SHIPPED, DELIVERED). ARCHITECTURE.md, "What is published is what another service needs".
STATUS_SAID_BY = {"order.placed": "PENDING", "order.confirmed": "PROCESSING",
                  "order.cancelled": "CANCELLED"}


def order_status_said(event_type: str, data: Mapping[str, Any]) -> str | None:
    """The status an order event says its order has now; None for any other event."""
    if event_type == "order.status_changed":
        return data.get("status")
    return STATUS_SAID_BY.get(event_type)
