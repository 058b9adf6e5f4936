"""Domain errors: OrderError subclasses map to the client's HTTP answer, UnknownOrder to a retry."""
from __future__ import annotations

# The kit's one "not yet" exception: the bus redelivers the event with backoff.
from bookstore_shared.kit.registry import RetryLater


class OrderError(Exception):
    """Base of every order domain error."""


class InvalidOrderRequest(OrderError):
    """The order body is malformed (shape, book id or quantity)."""


class InvalidIdempotencyKey(OrderError):
    """The Idempotency-Key header is empty or too long."""


class IdempotencyConflict(OrderError):
    """The same Idempotency-Key was used before with a different request."""


class BookNotFound(OrderError):
    """A requested book does not exist (or was deleted)."""

    def __init__(self, book_id: int):
        super().__init__(f"book {book_id} not found")
        self.book_id = book_id


class InsufficientStock(OrderError):
    """The known stock is already short of the requested quantity."""

    def __init__(self, book_id: int):
        super().__init__(f"insufficient stock for book {book_id}")
        self.book_id = book_id


class OrderNotFound(OrderError):
    """No order with this id."""


class NotOrderOwner(OrderError):
    """The caller neither owns the order nor is an admin."""


class AdminRequired(OrderError):
    """Only an admin may read everyone's orders."""


class OrderNotCancellable(OrderError):
    """Cancel was asked for an order past PROCESSING (or already cancelled)."""

    def __init__(self, status: str):
        super().__init__(f"order in status {status} cannot be cancelled")
        self.status = status


class InvalidTransition(OrderError):
    """A status change the state machine refuses."""


class UnknownOrder(RetryLater):
    """An event names an order this service has no record of yet (retried, then parked)."""
