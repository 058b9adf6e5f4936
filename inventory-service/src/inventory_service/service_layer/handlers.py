"""One handler per incoming event; each applies its effect and stages events in the caller's
transaction (the consumer wrapper records the inbox row and commits)."""
from __future__ import annotations

import logging

from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    BookChanged,
    BookDeleted,
    InventoryRejected,
    InventoryReleased,
    InventoryReserved,
    OrderCancelled,
    OrderLine,
    OrderPlaced,
    StockChanged,
)
from bookstore_shared.outbox import Outbox
from sqlalchemy.orm import Session

from ..adapters import repository as repo
from ..domain.model import (
    ORDER_CANCELLED,
    CancelledAction,
    Line,
    PlacedAction,
    ReservationStatus,
    StockLevel,
    decide_reservation,
    merge_lines,
    on_order_cancelled,
    on_order_placed,
    should_apply_stock,
)

log = logging.getLogger(__name__)
PRODUCER = "inventory"


def _lines(items: list[OrderLine]) -> list[Line]:
    return merge_lines(Line(item.book_id, item.quantity) for item in items)


def _stock_changed(session: Session, book_ids, cause: Envelope) -> list[Envelope]:
    levels = repo.current_stock(session, book_ids)
    return [Envelope.wrap(StockChanged(book_id=lvl.book_id, stock=lvl.available,
                                       stock_version=lvl.stock_version,
                                       revision=lvl.revision),
                          producer=PRODUCER, causation=cause)
            for lvl in sorted(levels.values(), key=lambda lvl: lvl.book_id)]


def apply_book_stock(session: Session, *, event: BookChanged, cause: Envelope,
                     outbox: Outbox) -> None:
    """Create or set a book's stock from the catalog, ignoring versions older than the last applied."""
    current = repo.lock_levels(session, [event.book_id]).get(event.book_id)
    if event.stock is None:
        if current is None:  # known from now on: orders are answered, not retried
            repo.add_level(session, StockLevel(event.book_id, 0, None))
        return
    if not should_apply_stock(current.stock_version if current else None, event.stock_version,
                              known=current is not None):
        log.info("stale stock value ignored", extra={"book_id": event.book_id,
                 "stock_version": event.stock_version})
        return
    if current is None:
        repo.add_level(session, StockLevel(event.book_id, event.stock, event.stock_version))
    else:
        repo.set_level(session, event.book_id, available=event.stock,
                       stock_version=event.stock_version)
    outbox.add(session, *_stock_changed(session, [event.book_id], cause))


def mark_book_deleted(session: Session, *, event: BookDeleted, cause: Envelope,
                      outbox: Outbox) -> None:
    """A deleted book takes no more orders (they are rejected as `book_unavailable`)."""
    current = repo.lock_levels(session, [event.book_id]).get(event.book_id)
    if current is None:
        repo.add_level(session, StockLevel(event.book_id, 0, None, deleted=True))
    else:
        repo.set_level(session, event.book_id, deleted=True)


def reserve_order(session: Session, *, event: OrderPlaced, cause: Envelope,
                  outbox: Outbox) -> None:
    """Reserve every item of the order or none; a cancelled order's late placement is rejected."""
    existing = repo.lock_reservation(session, event.order_id)
    action = on_order_placed(ReservationStatus(existing.status) if existing else None)
    if action is PlacedAction.IGNORE:
        log.info("order already decided", extra={"order_id": event.order_id})
        return
    if action is PlacedAction.REJECT_CANCELLED:
        outbox.add(session, Envelope.wrap(
            InventoryRejected(order_id=event.order_id, reason=ORDER_CANCELLED),
            producer=PRODUCER, causation=cause))
        return
    lines = _lines(event.items)
    decision = decide_reservation(repo.lock_levels(session, [ln.book_id for ln in lines]), lines)
    items = [item.model_dump(mode="json") for item in event.items]
    if not decision.reserved:
        repo.add_reservation(session, order_id=event.order_id, user_id=event.user_id,
                             status=ReservationStatus.REJECTED, items=items,
                             reason=decision.reason)
        outbox.add(session, Envelope.wrap(
            InventoryRejected(order_id=event.order_id, reason=decision.reason,
                              book_ids=list(decision.book_ids)),
            producer=PRODUCER, causation=cause))
        return
    repo.take(session, lines)
    repo.add_reservation(session, order_id=event.order_id, user_id=event.user_id,
                         status=ReservationStatus.RESERVED, items=items, reason=None)
    outbox.add(session, Envelope.wrap(InventoryReserved(order_id=event.order_id,
                                                        items=event.items),
                                      producer=PRODUCER, causation=cause),
               *_stock_changed(session, [ln.book_id for ln in lines], cause))


def release_order(session: Session, *, event: OrderCancelled, cause: Envelope,
                  outbox: Outbox) -> None:
    """Give a cancelled order's stock back exactly once, or leave a tombstone if it is not here yet."""
    existing = repo.lock_reservation(session, event.order_id)
    action = on_order_cancelled(ReservationStatus(existing.status) if existing else None)
    if action is CancelledAction.TOMBSTONE:
        repo.add_reservation(session, order_id=event.order_id, user_id=event.user_id,
                             status=ReservationStatus.CANCELLED,
                             items=[i.model_dump(mode="json") for i in event.items],
                             reason=event.reason)
        return
    if action is CancelledAction.IGNORE:
        return
    items = [OrderLine.model_validate(item) for item in existing.items]
    lines = _lines(items)
    repo.lock_levels(session, [ln.book_id for ln in lines])
    repo.give_back(session, lines)
    repo.set_reservation_status(session, event.order_id, ReservationStatus.RELEASED)
    outbox.add(session, Envelope.wrap(InventoryReleased(order_id=event.order_id, items=items),
                                      producer=PRODUCER, causation=cause),
               *_stock_changed(session, [ln.book_id for ln in lines], cause))
