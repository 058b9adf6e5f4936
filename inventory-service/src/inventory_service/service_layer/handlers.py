"""One handler per incoming event: each applies its effect and emits events in the unit of work
it is given (the consumer records the inbox rows and commits the batch)."""
from __future__ import annotations

import logging
from collections.abc import Iterable

from bookstore_shared.events.contracts import (
    BookChanged,
    BookDeleted,
    BookStock,
    InventoryRejected,
    InventoryReleased,
    InventoryReserved,
    OrderCancelled,
    OrderLine,
    OrderPlaced,
    StockChanged,
)

from ..domain.model import (
    ORDER_CANCELLED,
    CancelledAction,
    Line,
    PlacedAction,
    Reservation,
    ReservationStatus,
    StockLevel,
    decide_reservation,
    merge_lines,
    on_order_cancelled,
    on_order_placed,
    should_apply_stock,
    taken,
)
from .unit_of_work import InventoryUnitOfWork

log = logging.getLogger(__name__)


def _lines(items: list[OrderLine]) -> list[Line]:
    return merge_lines(Line(item.book_id, item.quantity) for item in items)


def _stock_changed(uow: InventoryUnitOfWork, book_ids: Iterable[int]) -> list[StockChanged]:
    return _reports(uow.inventory.current_stock(book_ids).values())


def _stock_fields(levels: Iterable[StockLevel]) -> list[dict]:
    return [{"book_id": lvl.book_id, "stock": lvl.available,
             "stock_version": lvl.stock_version, "revision": lvl.revision}
            for lvl in sorted(levels, key=lambda lvl: lvl.book_id)]


def _reports(levels: Iterable[StockLevel]) -> list[StockChanged]:
    return [StockChanged(**fields) for fields in _stock_fields(levels)]


def _book_stock(levels: Iterable[StockLevel]) -> list[BookStock]:
    return [BookStock(**fields) for fields in _stock_fields(levels)]


def apply_book_stock(event: BookChanged, *, uow: InventoryUnitOfWork) -> None:
    """Create or set a book's stock from the catalog, ignoring versions older than the last applied."""
    current = uow.inventory.lock_levels([event.book_id]).get(event.book_id)
    if event.stock is None:
        if current is None:  # known from now on: orders are answered, not retried
            uow.inventory.add_level(StockLevel(event.book_id, 0, None))
        return
    if not should_apply_stock(current.stock_version if current else None, event.stock_version,
                              known=current is not None):
        log.info("stale stock value ignored", extra={"book_id": event.book_id,
                 "stock_version": event.stock_version})
        return
    if current is None:
        uow.inventory.add_level(StockLevel(event.book_id, event.stock, event.stock_version))
    else:
        uow.inventory.set_level(event.book_id, available=event.stock,
                                stock_version=event.stock_version)
    uow.emit(*_stock_changed(uow, [event.book_id]))


def mark_book_deleted(event: BookDeleted, *, uow: InventoryUnitOfWork) -> None:
    """A deleted book takes no more orders (they are rejected as `book_unavailable`)."""
    current = uow.inventory.lock_levels([event.book_id]).get(event.book_id)
    if current is None:
        uow.inventory.add_level(StockLevel(event.book_id, 0, None, deleted=True))
    else:
        uow.inventory.set_level(event.book_id, deleted=True)


def reserve_order(event: OrderPlaced, *, uow: InventoryUnitOfWork) -> None:
    """Reserve every item of the order or none; a cancelled order's late placement is rejected."""
    existing = uow.inventory.lock_reservation(event.order_id)
    action = on_order_placed(existing.status if existing else None)
    if action is PlacedAction.IGNORE:
        log.info("order already decided", extra={"order_id": event.order_id})
        return
    if action is PlacedAction.REJECT_CANCELLED:
        uow.emit(InventoryRejected(order_id=event.order_id, reason=ORDER_CANCELLED))
        return
    lines = _lines(event.items)
    levels = uow.inventory.lock_levels(ln.book_id for ln in lines)
    decision = decide_reservation(levels, lines)
    items = [item.model_dump(mode="json") for item in event.items]
    if not decision.reserved:
        uow.inventory.add_reservation(Reservation(event.order_id, event.user_id,
                                                  ReservationStatus.REJECTED, items,
                                                  decision.reason))
        uow.emit(InventoryRejected(order_id=event.order_id, reason=decision.reason,
                                   book_ids=list(decision.book_ids)))
        return
    uow.inventory.take(lines)
    uow.inventory.add_reservation(Reservation(event.order_id, event.user_id,
                                              ReservationStatus.RESERVED, items))
    # the rows stay locked: the levels after the take are known without reading them back;
    # the stock read models take them from the reservation (no stock_changed of its own)
    uow.emit(InventoryReserved(order_id=event.order_id, items=event.items,
                               stock_after=_book_stock(taken(levels, lines))))


def release_order(event: OrderCancelled, *, uow: InventoryUnitOfWork) -> None:
    """Give a cancelled order's stock back exactly once, or leave a tombstone if it is not here yet."""
    existing = uow.inventory.lock_reservation(event.order_id)
    action = on_order_cancelled(existing.status if existing else None)
    if action is CancelledAction.TOMBSTONE:
        uow.inventory.add_reservation(Reservation(
            event.order_id, event.user_id, ReservationStatus.CANCELLED,
            [i.model_dump(mode="json") for i in event.items], event.reason))
        return
    if action is CancelledAction.IGNORE:
        return
    items = [OrderLine.model_validate(item) for item in existing.items]
    lines = _lines(items)
    uow.inventory.lock_levels([ln.book_id for ln in lines])
    uow.inventory.give_back(lines)
    uow.inventory.set_reservation_status(event.order_id, ReservationStatus.RELEASED)
    uow.emit(InventoryReleased(order_id=event.order_id, items=items),
             *_stock_changed(uow, [ln.book_id for ln in lines]))
