"""Reads and writes of stock and reservation rows (SQLAlchemy Core, inside the caller's session)."""
from __future__ import annotations

from collections.abc import Iterable

from bookstore_shared.events import utcnow
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from ..domain.exceptions import StockConflict
from ..domain.model import Line, ReservationStatus, StockLevel
from .orm import reservation, stock

# The statements every order runs are built once and executed with parameters: a reused
# statement skips SQLAlchemy's per-call construction and keeps its cache key.
# (Binds in UPDATE ... SET must not share a column's name, hence `b_id`, `now`, ...)
CURRENT_LEVELS = select(stock).where(stock.c.book_id.in_(bindparam("ids", expanding=True)))
LOCK_LEVELS = CURRENT_LEVELS.order_by(stock.c.book_id).with_for_update()
TAKE_STOCK = (update(stock)
              .where(stock.c.book_id == bindparam("b_id"),
                     stock.c.available >= bindparam("quantity"))
              .values(available=stock.c.available - bindparam("quantity"),
                      revision=stock.c.revision + 1, updated_at=bindparam("now")))
GIVE_BACK_STOCK = (update(stock)
                   .where(stock.c.book_id == bindparam("b_id"))
                   .values(available=stock.c.available + bindparam("quantity"),
                           revision=stock.c.revision + 1, updated_at=bindparam("now")))
LOCK_RESERVATION = (select(reservation).where(reservation.c.order_id == bindparam("order_id"))
                    .with_for_update())
ADD_RESERVATION = insert(reservation)
SET_RESERVATION_STATUS = (update(reservation)
                          .where(reservation.c.order_id == bindparam("o_id"))
                          .values(status=bindparam("new_status"), updated_at=bindparam("now")))


def _level(row) -> StockLevel:
    return StockLevel(row.book_id, row.available, row.stock_version, bool(row.deleted),
                      row.revision)


def lock_levels(session: Session, book_ids: Iterable[int]) -> dict[int, StockLevel]:
    """Lock the books' stock rows in book_id order (one lock order everywhere: no deadlocks)."""
    rows = session.execute(LOCK_LEVELS, {"ids": sorted(set(book_ids))}).all()
    return {row.book_id: _level(row) for row in rows}


def get_level(session: Session, book_id: int) -> StockLevel | None:
    """The book's stock row, unlocked."""
    row = session.execute(select(stock).where(stock.c.book_id == book_id)).first()
    return _level(row) if row else None


def current_stock(session: Session, book_ids: Iterable[int]) -> dict[int, StockLevel]:
    """Levels after this transaction's own writes."""
    rows = session.execute(CURRENT_LEVELS, {"ids": sorted(set(book_ids))}).all()
    return {row.book_id: _level(row) for row in rows}


def add_level(session: Session, level: StockLevel) -> None:
    """Insert a book's first stock row (a concurrent insert fails and the event is retried)."""
    session.execute(insert(stock).values(book_id=level.book_id, available=level.available,
                                         stock_version=level.stock_version,
                                         deleted=level.deleted, revision=1,
                                         updated_at=utcnow()))


def set_level(session: Session, book_id: int, *, available: int | None = None,
              stock_version: int | None = None, deleted: bool | None = None) -> None:
    """Overwrite the given fields of a book's stock row."""
    values = {"available": available, "stock_version": stock_version, "deleted": deleted}
    values = {k: v for k, v in values.items() if v is not None}
    session.execute(update(stock).where(stock.c.book_id == book_id)
                    .values(**values, revision=stock.c.revision + 1, updated_at=utcnow()))


def take(session: Session, lines: Iterable[Line]) -> None:
    """Decrement stock; the WHERE clause refuses to go below zero even if a lock was missed."""
    for line in lines:
        result = session.execute(TAKE_STOCK, {"b_id": line.book_id, "quantity": line.quantity,
                                              "now": utcnow()})
        if result.rowcount != 1:
            raise StockConflict(f"stock of book {line.book_id} changed concurrently")


def give_back(session: Session, lines: Iterable[Line]) -> None:
    """Increment stock (a released reservation)."""
    for line in lines:
        session.execute(GIVE_BACK_STOCK, {"b_id": line.book_id, "quantity": line.quantity,
                                          "now": utcnow()})


def lock_reservation(session: Session, order_id: int):
    """The order's reservation row, locked; None when the order is new here."""
    return session.execute(LOCK_RESERVATION, {"order_id": order_id}).first()


def get_reservation(session: Session, order_id: int):
    """The order's reservation row, unlocked."""
    return session.execute(select(reservation).where(reservation.c.order_id == order_id)).first()


def add_reservation(session: Session, *, order_id: int, user_id: int | None,
                    status: ReservationStatus, items: list[dict], reason: str | None) -> None:
    """Record the order's outcome (unique per order: a racing writer fails and is retried)."""
    now = utcnow()
    session.execute(ADD_RESERVATION, {
        "order_id": order_id, "user_id": user_id, "status": status.value, "items": items,
        "reason": reason, "created_at": now, "updated_at": now})


def set_reservation_status(session: Session, order_id: int, status: ReservationStatus) -> None:
    """Move a reservation to its next state."""
    session.execute(SET_RESERVATION_STATUS, {"o_id": order_id, "new_status": status.value,
                                             "now": utcnow()})
