"""A shopper's orders: the list, an order's page with its live status, cancelling."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from ..domain.orders import CANCELLABLE, FINAL, PURCHASED, cancel_reason_text, stepper
from ..domain.paging import Page, page_number
from .pages import FormDep, VisitorDep, redirect, render
from .visitor import PageNotFound, Visitor, require_user

router = APIRouter(prefix="/shop", include_in_schema=False)

OrderId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/orders")
async def my_orders(request: Request, who: VisitorDep):
    """The visitor's orders, newest first."""
    require_user(who)
    size = request.app.state.web.settings.web_page_size
    number = page_number(request.query_params.get("page"))
    answer = await who.api("GET", "/orders", params={"limit": size, "offset": (number - 1) * size})
    orders = answer.json() if answer.status_code == 200 else []
    page = Page(number, size, int(answer.headers.get("x-total-count", len(orders))))
    return render(request, who, "shop/orders.html", orders=orders, page=page)


async def order_of(who: Visitor, order_id: int) -> dict:
    """The order as its owner (or an admin) reads it; anyone else gets a 404 page."""
    require_user(who)
    answer = await who.api("GET", f"/orders/{order_id}")
    if answer.status_code != 200:
        raise PageNotFound("No such order among yours.")
    return answer.json()


def order_view(order: dict) -> dict:
    """What the order templates need besides the order itself."""
    status = order["status"]
    return {"order": order, "steps": stepper(status), "cancellable": status in CANCELLABLE,
            "purchased": status in PURCHASED, "final": status in FINAL,
            "reason": cancel_reason_text(order.get("cancel_reason"))}


@router.get("/orders/{order_id}")
async def order_page(request: Request, who: VisitorDep, order_id: OrderId):
    """One order; its status follows the saga live (see static/live.js)."""
    order = await order_of(who, order_id)
    return render(request, who, "shop/order.html", **order_view(order), error=None)


@router.get("/orders/{order_id}/state")
async def order_state(request: Request, who: VisitorDep, order_id: OrderId):
    """The order's stepper, status and buttons, for a live update without a reload."""
    order = await order_of(who, order_id)
    return render(request, who, "shop/_order_state.html", **order_view(order), oob=True)


@router.post("/orders/{order_id}/cancel")
async def cancel(request: Request, who: VisitorDep, form: FormDep, order_id: OrderId):
    """Cancel while PENDING or PROCESSING; otherwise say why not."""
    require_user(who)
    answer = await who.api("POST", f"/orders/{order_id}/cancel")
    if answer.status_code == 200:
        return redirect(who, f"/shop/orders/{order_id}")
    order = await order_of(who, order_id)
    error = f"This order can no longer be cancelled: it is {order['status']}."
    return render(request, who, "shop/order.html", status=400, **order_view(order), error=error)
