"""Orders and idempotency records in the order schema (SQLAlchemy Core, one session per unit of work)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol

from bookstore_shared.row_writes import update_each
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from ..domain.idempotency import IdempotencyRecord
from ..domain.model import Order, OrderLine, OrderStatus
from .orm import customer_order, idempotency_record, order_line


class ConcurrentModification(RuntimeError):
    """The order's status changed under us (only possible without row locks, e.g. SQLite)."""


def utc_naive(moment: datetime) -> datetime:
    """Timestamps are stored as naive UTC (MySQL DATETIME has no zone)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored timestamp back as an aware UTC datetime."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class OrderRepository(Protocol):
    """What the service layer reads and writes of orders; SQL below, in memory in the unit tests."""

    def add(self, order: Order, *, now: datetime) -> int: ...
    def get(self, order_id: int, *, for_update: bool = False) -> Order | None: ...
    def list(self, *, user_id: int | None, status: OrderStatus | None, limit: int,
             offset: int) -> tuple[list[Order], int]: ...
    def save_status(self, order: Order, *, now: datetime) -> None: ...
    def flush(self) -> None: ...
    def forget_unsaved(self) -> None: ...
    def lock_ahead(self, order_ids: Iterable[int]) -> None: ...


class IdempotencyRepository(Protocol):
    """(user, Idempotency-Key) -> what the key's first request came to."""

    def find(self, user_id: int, key: str) -> IdempotencyRecord | None: ...
    def add(self, *, user_id: int, key: str, record: IdempotencyRecord,
            now: datetime) -> None: ...


# Hot statements are built once: reusing the object skips per-call construction and
# cache-key generation; each call only passes its parameters.
_INSERT_ORDER = insert(customer_order)
_INSERT_ORDER_LINES = insert(order_line)
# One order with its lines in one round trip; the lock, when asked for, covers the order row
# and its lines.
_ORDERS_WITH_LINES = (select(customer_order,
                             *(c.label(f"line_{c.name}") for c in order_line.c
                               if c.name != "order_id"))
                      .outerjoin(order_line, order_line.c.order_id == customer_order.c.id))
_ORDER_WITH_LINES = (_ORDERS_WITH_LINES.where(customer_order.c.id == bindparam("order_id"))
                     .order_by(order_line.c.position))
_LOCK_ORDER_WITH_LINES = _ORDER_WITH_LINES.with_for_update()
_LOCK_ORDERS_WITH_LINES = (_ORDERS_WITH_LINES
                           .where(customer_order.c.id.in_(bindparam("ids", expanding=True)))
                           .order_by(customer_order.c.id, order_line.c.position)
                           .with_for_update())
_ORDER_LINES = (select(order_line)
                .where(order_line.c.order_id.in_(bindparam("ids", expanding=True)))
                .order_by(order_line.c.order_id, order_line.c.position))
# The statuses a batch moves, each only if its status is still the one it was loaded with.
_STATUS_COLUMNS = ("status", "cancel_reason", "updated_at")


_FIND_IDEMPOTENCY = (select(idempotency_record.c.fingerprint, idempotency_record.c.order_id,
                            idempotency_record.c.refused_book_id)
                     .where(idempotency_record.c.user_id == bindparam("user_id"),
                            idempotency_record.c.idempotency_key == bindparam("key")))
_INSERT_IDEMPOTENCY = insert(idempotency_record)


class SqlOrderRepository:
    """Loads and stores orders; `get(..., for_update=True)` locks the order row."""

    def __init__(self, session: Session):
        self.session = session
        self._ahead: dict[int, Order] = {}  # locked by lock_ahead(), not yet asked for
        self._unsaved: dict[int, tuple[Order, datetime]] = {}  # save_status(), not yet written

    def add(self, order: Order, *, now: datetime) -> int:
        """Insert the order and its lines; sets and returns its id."""
        result = self.session.execute(_INSERT_ORDER, {
            "user_id": order.user_id, "status": order.status.value, "total": order.total,
            "cancel_reason": order.cancel_reason, "created_at": utc_naive(now),
            "updated_at": utc_naive(now)})
        order.id = int(result.inserted_primary_key[0])
        order.created_at = now
        self.session.execute(_INSERT_ORDER_LINES, [
            {"order_id": order.id, "book_id": line.book_id, "position": i,
             "quantity": line.quantity, "unit_price": line.unit_price, "title": line.title}
            for i, line in enumerate(order.lines)])
        return order.id

    def get(self, order_id: int, *, for_update: bool = False) -> Order | None:
        """The order with its lines, or None; locked until commit when `for_update`."""
        if (unsaved := self._unsaved.get(order_id)) is not None:
            return unsaved[0]  # changed in this transaction (read, and locked, before that)
        if for_update and (ahead := self._ahead.pop(order_id, None)) is not None:
            return ahead  # locked and read by lock_ahead(), unchanged since: nobody else can
        query = _LOCK_ORDER_WITH_LINES if for_update else _ORDER_WITH_LINES
        rows = self.session.execute(query, {"order_id": order_id}).all()
        return _with_lines(rows)[0] if rows else None

    def lock_ahead(self, order_ids: Iterable[int]) -> None:
        """Lock and read these orders in one statement, in id order; the next
        `get(id, for_update=True)` of each is answered from what was read (a later one reads
        again: by then this transaction may have changed the row)."""
        ids = sorted(set(order_ids))
        if len(ids) > 1:
            rows = self.session.execute(_LOCK_ORDERS_WITH_LINES, {"ids": ids}).all()
            self._ahead = {order.id: order for order in _with_lines(rows)}

    def list(self, *, user_id: int | None, status: OrderStatus | None, limit: int,
             offset: int) -> tuple[list[Order], int]:
        """Orders (one user's, or everyone's when `user_id` is None), optionally of one status,
        newest first, and how many match in all."""
        self.flush()
        conditions = []
        if user_id is not None:
            conditions.append(customer_order.c.user_id == user_id)
        if status is not None:
            conditions.append(customer_order.c.status == status.value)
        rows = self.session.execute(
            select(customer_order).where(*conditions)
            .order_by(customer_order.c.id.desc()).limit(limit).offset(offset)).all()
        total = self.session.execute(select(func.count()).select_from(customer_order)
                                     .where(*conditions)).scalar_one()
        return self._orders(rows), int(total)

    def save_status(self, order: Order, *, now: datetime) -> None:
        """Keep the order's new status for `flush()`, which the unit of work calls before
        COMMIT: the orders a batch moves are written in one statement."""
        if order.changes:
            self._unsaved[order.id] = (order, now)

    def flush(self) -> None:
        """Write the statuses saved since the last flush, each only if nobody changed the order
        since it was loaded (with row locks, MySQL, nobody can; SQLite has none): one statement
        for one order or for many."""
        unsaved, self._unsaved = list(self._unsaved.values()), {}
        if not unsaved:
            return
        rows = [{"id": order.id, "status": order.status.value,
                 "cancel_reason": order.cancel_reason, "updated_at": utc_naive(now),
                 "was_status": order.changes[0].previous.value} for order, now in unsaved]
        result = update_each(self.session, customer_order, "id", _STATUS_COLUMNS, rows,
                             unchanged=("status",))
        if result.rowcount != len(unsaved):
            raise ConcurrentModification(
                f"order {', '.join(str(order.id) for order, _ in unsaved)} changed concurrently")

    def forget_unsaved(self) -> None:
        """Drop the statuses flush() did not write (the transaction rolled back)."""
        self._unsaved = {}

    def _orders(self, rows) -> list[Order]:
        ids = [row.id for row in rows]
        lines: dict[int, list[OrderLine]] = {i: [] for i in ids}
        if ids:
            for line in self.session.execute(_ORDER_LINES, {"ids": ids}).all():
                lines[line.order_id].append(OrderLine(int(line.book_id), line.quantity,
                                                      line.unit_price, line.title))
        return [_order(row, lines[row.id]) for row in rows]


def _with_lines(rows) -> list[Order]:
    """Orders from rows of an order joined with its lines (ordered by order, then position)."""
    orders: list[Order] = []
    for row in rows:
        if not orders or orders[-1].id != row.id:
            orders.append(_order(row, []))
        if row.line_book_id is not None:
            orders[-1].lines.append(OrderLine(int(row.line_book_id), row.line_quantity,
                                              row.line_unit_price, row.line_title))
    return orders


def _order(row, lines: list[OrderLine]) -> Order:
    return Order(id=row.id, user_id=int(row.user_id), lines=lines,
                 status=OrderStatus(row.status), created_at=as_utc(row.created_at),
                 cancel_reason=row.cancel_reason)


class SqlIdempotencyRepository:
    """Idempotency records in the unit of work's session."""

    def __init__(self, session: Session):
        self.session = session

    def find(self, user_id: int, key: str) -> IdempotencyRecord | None:
        row = self.session.execute(_FIND_IDEMPOTENCY, {"user_id": user_id, "key": key}).first()
        if row is None:
            return None
        return IdempotencyRecord(fingerprint=row.fingerprint, order_id=row.order_id,
                                 refused_book_id=row.refused_book_id)

    def add(self, *, user_id: int, key: str, record: IdempotencyRecord, now: datetime) -> None:
        """Insert; a twin that inserted the key first makes this raise IntegrityError (after
        waiting for the twin's transaction, while it is open)."""
        self.session.execute(_INSERT_IDEMPOTENCY, {
            "user_id": user_id, "idempotency_key": key, "fingerprint": record.fingerprint,
            "order_id": record.order_id, "refused_book_id": record.refused_book_id,
            "created_at": utc_naive(now)})
