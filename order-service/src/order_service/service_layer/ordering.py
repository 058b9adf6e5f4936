"""Commands from clients: place an order, cancel it, read orders and their timelines."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_random

from ..adapters.books import KnownBook
from ..adapters.catalog import Catalog
from ..adapters.repository import ConcurrentModification
from ..domain.exceptions import AdminRequired, InsufficientStock, NotOrderOwner, OrderNotFound
from ..domain.idempotency import IdempotencyRecord, check_replay, fingerprint
from ..domain.model import Order, OrderLine, OrderStatus
from ..domain.requests import RequestedItem
from ..domain.timeline import OrderEvent
from .books import known_books, resolve_books
from .messages import change_events, placed_events
from .unit_of_work import OrderUnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    """Who asks: the order's owner, or an admin."""

    user_id: int
    is_admin: bool = False


@dataclass(frozen=True)
class Placement:
    order_id: int
    replayed: bool


def _earlier(uow: OrderUnitOfWork, user_id: int, key: str, digest: str) -> Placement | None:
    """The order this key already placed (in the current transaction), if any; the refusal it
    already got is raised again."""
    found = uow.idempotency.find(user_id, key)
    if found is None:
        return None
    check_replay(found.fingerprint, digest)
    if found.order_id is None:
        raise InsufficientStock(found.refused_book_id)
    return Placement(order_id=found.order_id, replayed=True)


def _replay(uow: OrderUnitOfWork, user_id: int, key: str, digest: str) -> Placement | None:
    with uow.step():
        return _earlier(uow, user_id, key, digest)


def place_order(uow: OrderUnitOfWork, *, catalog: Catalog, user_id: int,
                items: list[RequestedItem], idempotency_key: str | None = None) -> Placement:
    """Create a PENDING order priced from the read model and emit `order.placed`.

    Usually one transaction: the key's earlier answer, the books and the new order. When the
    read model cannot price the order alone (a book unknown or looking short), the catalog is
    asked with no transaction open, and the order is created in a second one. A key gets one
    answer, whichever of its requests runs first: a refusal for stock is recorded under it too."""
    digest = fingerprint(items)
    try:
        with uow.step():
            if idempotency_key and (earlier := _earlier(uow, user_id, idempotency_key, digest)):
                return earlier
            books = known_books(uow, items)
            if books is not None:
                return _create(uow, user_id, items, books, idempotency_key, digest)
        try:
            books = resolve_books(uow, catalog=catalog, items=items)
        except InsufficientStock as refused:
            if idempotency_key:
                _record_refusal(uow, user_id, idempotency_key, digest, refused.book_id)
            raise
        with uow.step():
            return _create(uow, user_id, items, books, idempotency_key, digest)
    except IntegrityError:
        # A concurrent request with the same key won the unique constraint: answer as it did.
        if idempotency_key and (earlier := _replay(uow, user_id, idempotency_key, digest)):
            return earlier
        raise


def _record_refusal(uow: OrderUnitOfWork, user_id: int, key: str, digest: str,
                    book_id: int) -> None:
    """Keep the refusal under the key, so that an earlier request with this key that is still
    on its way (a retry's original, held up in a replica or a lost connection) is refused too
    rather than placing an order its client was told was refused. If that request holds the key
    already, this insert waits for it; when it placed the order, the IntegrityError makes this
    request answer that order."""
    with uow.step():
        uow.idempotency.add(user_id=user_id, key=key, now=datetime.now(UTC),
                            record=IdempotencyRecord(fingerprint=digest, order_id=None,
                                                     refused_book_id=book_id))
        uow.commit()


def _create(uow: OrderUnitOfWork, user_id: int, items: list[RequestedItem],
            books: dict[int, KnownBook], idempotency_key: str | None, digest: str) -> Placement:
    """Insert the PENDING order (and its key) with `order.placed`, and commit."""
    order = Order(user_id=user_id, lines=[
        OrderLine(book_id=item.book_id, quantity=item.quantity,
                  unit_price=books[item.book_id].price, title=books[item.book_id].title)
        for item in items])
    now = datetime.now(UTC)
    uow.orders.add(order, now=now)
    if idempotency_key:
        uow.idempotency.add(user_id=user_id, key=idempotency_key, now=now,
                            record=IdempotencyRecord(fingerprint=digest, order_id=order.id))
    uow.emit(*placed_events(order))
    uow.commit()
    log.info("order placed", extra={"order_id": order.id, "user_id": user_id})
    return Placement(order_id=order.id, replayed=False)


def _check_access(order: Order | None, caller: Caller) -> Order:
    if order is None:
        raise OrderNotFound()
    if order.user_id != caller.user_id and not caller.is_admin:
        raise NotOrderOwner()
    return order


# Without row locks (SQLite, standalone) the saga may move the order between our read and our
# write; that conflict is ours to retry (in a new transaction), not the client's. A final state
# then answers 400.
@retry(retry=retry_if_exception_type(ConcurrentModification), stop=stop_after_attempt(5),
       wait=wait_random(0.005, 0.05), reraise=True)
def cancel_order(uow: OrderUnitOfWork, *, order_id: int, caller: Caller) -> Order:
    """PENDING/PROCESSING → CANCELLED under a row lock; emits `order.cancelled`."""
    with uow.step():
        order = _check_access(uow.orders.get(order_id, for_update=True), caller)
        change = order.cancel()
        uow.orders.save_status(order, now=datetime.now(UTC))
        uow.emit(*change_events(order, [change]))
        uow.commit()
    log.info("order cancelled", extra={"order_id": order_id, "previous": change.previous.value})
    return order


def get_order(uow: OrderUnitOfWork, *, order_id: int, caller: Caller) -> Order:
    """One order, for its owner or an admin."""
    with uow.step():
        return _check_access(uow.orders.get(order_id), caller)


def list_orders(uow: OrderUnitOfWork, *, caller: Caller, limit: int, offset: int,
                everyone: bool = False,
                status: OrderStatus | None = None) -> tuple[list[Order], int]:
    """The caller's orders (everyone's for an admin who asks), newest first, and their count."""
    if everyone and not caller.is_admin:
        raise AdminRequired()
    with uow.step():
        return uow.orders.list(user_id=None if everyone else caller.user_id,
                               status=status, limit=limit, offset=offset)


def order_timeline(uow: OrderUnitOfWork, *, order_id: int, caller: Caller) -> list[OrderEvent]:
    """What happened to an order, oldest first (admins only: it names every service's part)."""
    if not caller.is_admin:
        raise AdminRequired()
    with uow.step():
        if uow.orders.get(order_id) is None:
            raise OrderNotFound()
        return uow.timeline.of(order_id)
