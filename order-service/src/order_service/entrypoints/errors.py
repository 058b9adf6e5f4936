"""Domain errors → the contract's HTTP answers."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bookstore_shared.errors import ApiError

from ..adapters.catalog import CatalogUnavailable
from ..adapters.repository import ConcurrentModification
from ..domain import exceptions as e


@contextmanager
def http_errors() -> Iterator[None]:
    """Translate what the service layer raises into ApiError."""
    try:
        yield
    except e.InvalidOrderRequest as exc:
        raise ApiError(400, "Invalid order request", error=str(exc)) from None
    except e.InvalidIdempotencyKey as exc:
        raise ApiError(400, "Invalid Idempotency-Key", error=str(exc)) from None
    except e.IdempotencyConflict:
        raise ApiError(409, "Idempotency-Key reused with a different request") from None
    except e.BookNotFound:
        raise ApiError(404, "Book not found") from None
    except e.InsufficientStock:
        raise ApiError(400, "Insufficient stock",
                       error="Order processing failed, try again") from None
    except e.OrderNotFound:
        raise ApiError(404, "Order not found") from None
    except e.NotOrderOwner:
        raise ApiError(403, "Unauthorized") from None
    except e.AdminRequired:
        raise ApiError(403, "Admin access required") from None
    except e.OrderNotCancellable as exc:
        refused = ApiError(400, "Order cannot be cancelled")
        refused.extra["status"] = exc.status  # `status` is also ApiError's own argument name
        raise refused from None
    except CatalogUnavailable:
        raise ApiError(503, "Order processing failed, try again",
                       error="the catalog is unavailable", headers={"Retry-After": "1"}) from None
    except ConcurrentModification:
        raise ApiError(409, "The order changed meanwhile, try again") from None
