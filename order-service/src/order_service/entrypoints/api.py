"""Order routes (CONTRACT.md "Orders"): thin — parse, call one handler, shape the answer."""
from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from bookstore_shared.kit.container import UowDep
from bookstore_shared.limits import json_body
from bookstore_shared.security import CurrentUser, Principal
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from ..bootstrap import OrderContainer
from ..domain.idempotency import validate_key
from ..domain.model import OrderStatus
from ..domain.requests import parse_order_request
from ..service_layer import ordering
from .errors import http_errors
from .schemas import OrderCancelledRead, OrderEventRead, OrderPlacedRead, OrderRead

router = APIRouter(tags=["orders"])

OrderId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _caller(user: Principal) -> ordering.Caller:
    return ordering.Caller(user_id=user.user_id, is_admin=user.is_admin)


# The body is read by a dependency declared after the caller's: an anonymous request is refused
# before its body is read (a Body() parameter would be read first).
_ORDER_BODY = {"requestBody": {"content": {"application/json": {"schema": {"title": "Payload"}}}}}


@router.post("/orders", status_code=201, response_model=OrderPlacedRead,
             openapi_extra=_ORDER_BODY)
async def place_order(request: Request, user: CurrentUser,
                      payload: Annotated[Any, Depends(json_body)],
                      idempotency_key: Annotated[str | None,
                                                 Header(alias="Idempotency-Key")] = None):
    """Place an order: `{book_id, quantity}`, `{book_id, items}` or `{items: [...]}`."""
    # The hottest route: one worker-thread hop for the database work, which opens the request's
    # unit of work itself (UowDep would add two hops to enter and leave it, a sync route one
    # more to validate the response).
    with http_errors():
        items = parse_order_request(payload)
        key = validate_key(idempotency_key)
        placed = await run_in_threadpool(partial(
            _place, request.app.state.container, user_id=user.user_id, items=items,
            idempotency_key=key))
    return OrderPlacedRead(order_id=placed.order_id)


def _place(container: OrderContainer, **request: Any) -> ordering.Placement:
    with container.uow() as uow:
        return ordering.place_order(uow, catalog=container.catalog, **request)


@router.get("/orders", response_model=list[OrderRead])
def list_orders(user: CurrentUser, uow: UowDep, response: Response,
                limit: Annotated[int, Query(ge=1, le=200)] = 50,
                offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
                everyone: Annotated[bool, Query(alias="all",
                                                description="everyone's orders (admins)")] = False,
                status: Annotated[OrderStatus | None, Query()] = None):
    """The caller's orders, newest first (total in `X-Total-Count`); `?all=1`: everyone's."""
    with http_errors():
        orders, total = ordering.list_orders(uow, caller=_caller(user), limit=limit,
                                             offset=offset, everyone=everyone, status=status)
    response.headers["X-Total-Count"] = str(total)
    return [OrderRead.of(order) for order in orders]


@router.get("/orders/{order_id}", response_model=OrderRead)
def get_order(user: CurrentUser, uow: UowDep, order_id: OrderId):
    """One order with its status, items and total (owner or admin)."""
    with http_errors():
        order = ordering.get_order(uow, order_id=order_id, caller=_caller(user))
    return OrderRead.of(order)


@router.post("/orders/{order_id}/cancel", response_model=OrderCancelledRead)
def cancel_order(user: CurrentUser, uow: UowDep, order_id: OrderId):
    """Cancel a PENDING or PROCESSING order; its reserved stock is released."""
    with http_errors():
        order = ordering.cancel_order(uow, order_id=order_id, caller=_caller(user))
    return OrderCancelledRead(status=order.status.value)


@router.get("/orders/{order_id}/events", response_model=list[OrderEventRead])
def order_events(user: CurrentUser, uow: UowDep, order_id: OrderId):
    """The order's stored event timeline, oldest first (admins only)."""
    with http_errors():
        events = ordering.order_timeline(uow, order_id=order_id, caller=_caller(user))
    return [OrderEventRead.of(event) for event in events]
