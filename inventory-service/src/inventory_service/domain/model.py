"""Stock levels and reservations, without any I/O."""
from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from .exceptions import BookNotKnownYet

INSUFFICIENT_STOCK = "insufficient_stock"
BOOK_UNAVAILABLE = "book_unavailable"
ORDER_CANCELLED = "order_cancelled"


@dataclass(frozen=True)
class StockLevel:
    """What inventory knows about one book."""

    book_id: int
    available: int
    stock_version: int | None = None
    deleted: bool = False
    revision: int = 0


@dataclass(frozen=True)
class Line:
    """A quantity of one book."""

    book_id: int
    quantity: int


class ReservationStatus(str, enum.Enum):
    """State of an order's reservation row (one per order)."""

    RESERVED = "RESERVED"
    REJECTED = "REJECTED"
    RELEASED = "RELEASED"
    # Tombstone: the order was cancelled before (or without) ever being placed here.
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class Reservation:
    """An order's outcome here (one per order); `items` as the order listed them."""

    order_id: int
    user_id: int | None
    status: ReservationStatus
    items: list[dict]
    reason: str | None = None


@dataclass(frozen=True)
class Decision:
    """Outcome of trying to reserve an order: everything, or nothing with a reason."""

    reserved: bool
    reason: str | None = None
    book_ids: tuple[int, ...] = ()


class PlacedAction(str, enum.Enum):
    RESERVE = "reserve"
    REJECT_CANCELLED = "reject_cancelled"
    IGNORE = "ignore"


class CancelledAction(str, enum.Enum):
    TOMBSTONE = "tombstone"
    RELEASE = "release"
    IGNORE = "ignore"


def taken(levels: Mapping[int, StockLevel], lines: Iterable[Line]) -> list[StockLevel]:
    """The locked `levels` once each merged line (one per book) is taken: what the repository's
    `take` writes (available − quantity, one revision more), without reading it back."""
    return [replace(levels[ln.book_id], available=levels[ln.book_id].available - ln.quantity,
                    revision=levels[ln.book_id].revision + 1) for ln in lines]


def merge_lines(lines: Iterable[Line]) -> list[Line]:
    """One line per book (quantities summed), in book_id order — the order rows are locked in."""
    totals: dict[int, int] = {}
    for line in lines:
        if line.quantity < 1:
            raise ValueError(f"quantity must be positive, got {line.quantity}")
        totals[line.book_id] = totals.get(line.book_id, 0) + line.quantity
    return [Line(book_id, qty) for book_id, qty in sorted(totals.items())]


def decide_reservation(levels: Mapping[int, StockLevel], lines: Iterable[Line]) -> Decision:
    """All items or none: a deleted book or any shortage rejects the whole order.

    A book never heard of is not a rejection: its catalog event may still be on the way.
    """
    merged = merge_lines(lines)
    gone = tuple(line.book_id for line in merged
                 if line.book_id in levels and levels[line.book_id].deleted)
    if gone:
        return Decision(False, BOOK_UNAVAILABLE, gone)
    unknown = [line.book_id for line in merged if line.book_id not in levels]
    if unknown:
        raise BookNotKnownYet(unknown)
    short = tuple(line.book_id for line in merged
                  if levels[line.book_id].available < line.quantity)
    if short:
        return Decision(False, INSUFFICIENT_STOCK, short)
    return Decision(True)


def should_apply_stock(current_version: int | None, incoming_version: int | None, *,
                       known: bool) -> bool:
    """Admin stock values apply only when newer than the last one applied (late ones are dropped)."""
    if not known or current_version is None:
        return True
    if incoming_version is None:
        return False
    return incoming_version > current_version


def on_order_placed(existing: ReservationStatus | None) -> PlacedAction:
    """What `order.placed` does given the order's reservation row, if any."""
    if existing is None:
        return PlacedAction.RESERVE
    if existing is ReservationStatus.CANCELLED:
        return PlacedAction.REJECT_CANCELLED
    return PlacedAction.IGNORE  # already decided: a republished event has no second effect


def on_order_cancelled(existing: ReservationStatus | None) -> CancelledAction:
    """What `order.cancelled` does: release exactly once, or leave a tombstone for a late placement."""
    if existing is None:
        return CancelledAction.TOMBSTONE
    if existing is ReservationStatus.RESERVED:
        return CancelledAction.RELEASE
    return CancelledAction.IGNORE
