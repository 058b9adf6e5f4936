"""Reads and writes of stock and reservation rows (SQLAlchemy Core, in the unit of work's session)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from bookstore_shared.events import utcnow
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from ..domain.exceptions import StockConflict
from ..domain.model import Line, Reservation, ReservationStatus, StockLevel
from .orm import reservation, stock


class InventoryRepository(Protocol):
    """What the service layer reads and writes; SQL below, in memory in the unit tests."""

    def lock_levels(self, book_ids: Iterable[int]) -> dict[int, StockLevel]: ...
    def lock_ahead(self, *, order_ids: Iterable[int], book_ids: Iterable[int]) -> None: ...
    def get_level(self, book_id: int) -> StockLevel | None: ...
    def current_stock(self, book_ids: Iterable[int]) -> dict[int, StockLevel]: ...
    def add_level(self, level: StockLevel) -> None: ...
    def set_level(self, book_id: int, *, available: int | None = None,
                  stock_version: int | None = None, deleted: bool | None = None) -> None: ...
    def take(self, lines: Iterable[Line]) -> None: ...
    def give_back(self, lines: Iterable[Line]) -> None: ...
    def lock_reservation(self, order_id: int) -> Reservation | None: ...
    def get_reservation(self, order_id: int) -> Reservation | None: ...
    def add_reservation(self, reservation: Reservation) -> None: ...
    def set_reservation_status(self, order_id: int, status: ReservationStatus) -> None: ...


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
LOCK_RESERVATIONS = (select(reservation)
                     .where(reservation.c.order_id.in_(bindparam("ids", expanding=True)))
                     .order_by(reservation.c.order_id).with_for_update())
ADD_RESERVATION = insert(reservation)
SET_RESERVATION_STATUS = (update(reservation)
                          .where(reservation.c.order_id == bindparam("o_id"))
                          .values(status=bindparam("new_status"), updated_at=bindparam("now")))


def _level(row) -> StockLevel:
    return StockLevel(row.book_id, row.available, row.stock_version, bool(row.deleted),
                      row.revision)


def _reservation(row) -> Reservation | None:
    if row is None:
        return None
    return Reservation(row.order_id, row.user_id, ReservationStatus(row.status), list(row.items),
                       row.reason)


class SqlInventoryRepository:
    """The inventory schema through one session (the unit of work's)."""

    def __init__(self, session: Session):
        self.session = session
        # locked and read by lock_ahead(), not yet asked for (None: no such row)
        self._reservations_ahead: dict[int, Reservation | None] = {}
        self._levels_ahead: dict[int, StockLevel | None] = {}

    def lock_ahead(self, *, order_ids: Iterable[int], book_ids: Iterable[int]) -> None:
        """Lock and read these orders' reservations, then these books' stock, in one statement
        each and in key order (the order a lone handler locks them in: reservation, then stock);
        the next `lock_reservation` of each order, and the next `lock_levels` whose books were
        all read here, are answered from what was read. A later one reads again: by then this
        transaction may have written the row. A reservation missing here and inserted meanwhile
        by another transaction makes this one's insert fail on the unique order id."""
        orders, books = sorted(set(order_ids)), sorted(set(book_ids))
        if len(orders) > 1:
            rows = self.session.execute(LOCK_RESERVATIONS, {"ids": orders}).all()
            self._reservations_ahead = dict.fromkeys(orders)
            self._reservations_ahead.update((row.order_id, _reservation(row)) for row in rows)
        if len(books) > 1:
            rows = self.session.execute(LOCK_LEVELS, {"ids": books}).all()
            self._levels_ahead = dict.fromkeys(books)
            self._levels_ahead.update((row.book_id, _level(row)) for row in rows)

    def lock_levels(self, book_ids: Iterable[int]) -> dict[int, StockLevel]:
        """Lock the books' stock rows in book_id order (one lock order everywhere: no deadlocks)."""
        ids = sorted(set(book_ids))
        ahead = self._levels_ahead
        if ids and all(book_id in ahead for book_id in ids):
            levels = {book_id: ahead.pop(book_id) for book_id in ids}
            return {book_id: level for book_id, level in levels.items() if level is not None}
        rows = self.session.execute(LOCK_LEVELS, {"ids": ids}).all()
        for book_id in ids:
            ahead.pop(book_id, None)  # read again: what was read ahead is older than this
        return {row.book_id: _level(row) for row in rows}

    def get_level(self, book_id: int) -> StockLevel | None:
        """The book's stock row, unlocked."""
        row = self.session.execute(select(stock).where(stock.c.book_id == book_id)).first()
        return _level(row) if row else None

    def current_stock(self, book_ids: Iterable[int]) -> dict[int, StockLevel]:
        """Levels after this transaction's own writes."""
        rows = self.session.execute(CURRENT_LEVELS, {"ids": sorted(set(book_ids))}).all()
        return {row.book_id: _level(row) for row in rows}

    def add_level(self, level: StockLevel) -> None:
        """Insert a book's first stock row (a concurrent insert fails and the event is retried)."""
        self.session.execute(insert(stock).values(
            book_id=level.book_id, available=level.available, stock_version=level.stock_version,
            deleted=level.deleted, revision=1, updated_at=utcnow()))

    def set_level(self, book_id: int, *, available: int | None = None,
                  stock_version: int | None = None, deleted: bool | None = None) -> None:
        """Overwrite the given fields of a book's stock row."""
        values = {"available": available, "stock_version": stock_version, "deleted": deleted}
        values = {k: v for k, v in values.items() if v is not None}
        self.session.execute(update(stock).where(stock.c.book_id == book_id)
                             .values(**values, revision=stock.c.revision + 1,
                                     updated_at=utcnow()))

    def take(self, lines: Iterable[Line]) -> None:
        """Decrement stock; the WHERE clause refuses to go below zero even if a lock was missed."""
        for line in lines:
            result = self.session.execute(TAKE_STOCK, {"b_id": line.book_id,
                                                       "quantity": line.quantity, "now": utcnow()})
            if result.rowcount != 1:
                raise StockConflict(f"stock of book {line.book_id} changed concurrently")

    def give_back(self, lines: Iterable[Line]) -> None:
        """Increment stock (a released reservation)."""
        for line in lines:
            self.session.execute(GIVE_BACK_STOCK, {"b_id": line.book_id,
                                                   "quantity": line.quantity, "now": utcnow()})

    def lock_reservation(self, order_id: int) -> Reservation | None:
        """The order's reservation, locked; None when the order is new here."""
        if order_id in self._reservations_ahead:
            return self._reservations_ahead.pop(order_id)  # read by lock_ahead(), unchanged since
        return _reservation(self.session.execute(LOCK_RESERVATION, {"order_id": order_id}).first())

    def get_reservation(self, order_id: int) -> Reservation | None:
        """The order's reservation, unlocked."""
        return _reservation(self.session.execute(
            select(reservation).where(reservation.c.order_id == order_id)).first())

    def add_reservation(self, new: Reservation) -> None:
        """Record the order's outcome (unique per order: a racing writer fails and is retried)."""
        now = utcnow()
        self.session.execute(ADD_RESERVATION, {
            "order_id": new.order_id, "user_id": new.user_id, "status": new.status.value,
            "items": new.items, "reason": new.reason, "created_at": now, "updated_at": now})

    def set_reservation_status(self, order_id: int, status: ReservationStatus) -> None:
        """Move a reservation to its next state."""
        self.session.execute(SET_RESERVATION_STATUS, {"o_id": order_id, "new_status": status.value,
                                                      "now": utcnow()})
