"""The console's operations: all orders, the live event feed, dead letters, broadcasts."""
from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Request

from ..domain.orders import STATUSES, cancel_reason_text, stepper
from ..domain.paging import Page, page_number
from .pages import FormDep, VisitorDep, redirect, render
from .visitor import PageNotFound, require_admin

router = APIRouter(prefix="/console", include_in_schema=False)

OrderId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Service = Annotated[str, Path(pattern=r"^[a-z][a-z.]{0,39}$")]
_PATTERN = re.compile(r"^[A-Za-z0-9_.*#-]{1,100}$")
MAX_BROADCAST = 500


@router.get("/")
async def home(request: Request, who: VisitorDep):
    """The console's front page: dead letters waiting, and where to go."""
    require_admin(who)
    answer = await who.api("GET", "/admin/dlq")
    parked = answer.json() if answer.status_code == 200 else []
    return render(request, who, "console/home.html", parked=parked)


@router.get("/orders")
async def orders(request: Request, who: VisitorDep):
    """Everyone's orders, newest first, optionally of one status."""
    require_admin(who)
    status = request.query_params.get("status", "")
    status = status if status in STATUSES else ""
    size = 25
    number = page_number(request.query_params.get("page"))
    params = {"all": 1, "limit": size, "offset": (number - 1) * size}
    if status:
        params["status"] = status
    answer = await who.api("GET", "/orders", params=params)
    found = answer.json() if answer.status_code == 200 else []
    page = Page(number, size, int(answer.headers.get("x-total-count", len(found))))
    return render(request, who, "console/orders.html", orders=found, page=page,
                  status_filter=status, statuses=STATUSES)


async def _timeline(who, order_id: int) -> list[dict] | None:
    """The order's stored events, oldest first (None: they could not be read)."""
    answer = await who.api("GET", f"/orders/{order_id}/events")
    if answer.status_code == 404:
        raise PageNotFound("No order with this number.")
    return answer.json() if answer.status_code == 200 else None


@router.get("/orders/{order_id}")
async def order(request: Request, who: VisitorDep, order_id: OrderId):
    """One order and its event timeline: what is stored, then what happens while it is open."""
    require_admin(who)
    answer = await who.api("GET", f"/orders/{order_id}")
    if answer.status_code != 200:
        raise PageNotFound("No order with this number.")
    found = answer.json()
    return render(request, who, "console/order.html", order=found,
                  timeline=await _timeline(who, order_id), steps=stepper(found["status"]),
                  reason=cancel_reason_text(found.get("cancel_reason")))


@router.get("/orders/{order_id}/timeline")
async def order_timeline(request: Request, who: VisitorDep, order_id: OrderId):
    """The stored timeline alone, which the page re-reads each time its live feed (re)connects."""
    require_admin(who)
    return render(request, who, "console/_timeline.html", timeline=await _timeline(who, order_id))


@router.get("/events")
async def events(request: Request, who: VisitorDep):
    """The live event feed (the page connects to the gateway's /admin/events itself)."""
    require_admin(who)
    pattern = request.query_params.get("pattern", "").strip()
    order_id = request.query_params.get("order_id", "").strip()
    return render(request, who, "console/events.html",
                  pattern=pattern if _PATTERN.match(pattern) else "",
                  order_id=order_id if order_id.isdigit() and len(order_id) < 19 else "")


@router.get("/dlq")
async def dead_letters(request: Request, who: VisitorDep):
    """How many messages each service has parked."""
    require_admin(who)
    answer = await who.api("GET", "/admin/dlq")
    parked = answer.json() if answer.status_code == 200 else []
    return render(request, who, "console/dlq.html", parked=parked,
                  error=None if answer.status_code == 200 else "The broker is not reachable.")


async def _letters(who, service: str) -> list[dict]:
    answer = await who.api("GET", f"/admin/dlq/{service}", params={"limit": 200})
    if answer.status_code == 404:
        raise PageNotFound("No such service.")
    return answer.json() if answer.status_code == 200 else []


@router.get("/dlq/{service}")
async def service_letters(request: Request, who: VisitorDep, service: Service):
    """A service's parked messages: envelope, error, attempts; Replay and Purge."""
    require_admin(who)
    return render(request, who, "console/letters.html", service=service,
                  letters=await _letters(who, service), notice=request.query_params.get("notice"))


@router.post("/dlq/{service}/{action}")
async def act(request: Request, who: VisitorDep, form: FormDep, service: Service,
              action: Annotated[str, Path(pattern="^(replay|purge)$")]):
    """Replay or purge, after a confirmation page (works without JavaScript)."""
    require_admin(who)
    ids = [i for i in form.getlist("id") if isinstance(i, str) and 0 < len(i) <= 128][:1000]
    if form.get("confirmed") != "yes":
        return render(request, who, "console/confirm.html", service=service, action=action,
                      ids=ids, count=len(ids) or None)
    body = {"ids": ids} if action == "replay" and ids else None
    answer = await who.api("POST", f"/admin/dlq/{service}/{action}", json=body)
    if answer.status_code != 200:
        raise PageNotFound("No such service.")
    done = answer.json().get("replayed" if action == "replay" else "purged", 0)
    return redirect(who, f"/console/dlq/{service}?notice={action}-{done}")


@router.get("/broadcast")
async def broadcast_page(request: Request, who: VisitorDep):
    require_admin(who)
    return render(request, who, "console/broadcast.html", error=None,
                  sent=request.query_params.get("sent") == "1")


@router.post("/broadcast")
async def broadcast(request: Request, who: VisitorDep, form: FormDep):
    """Send a message to every connected shopper."""
    require_admin(who)
    message = form.get("message")
    message = message.strip() if isinstance(message, str) else ""
    if not message or len(message) > MAX_BROADCAST:
        return render(request, who, "console/broadcast.html", status=400, sent=False,
                      error=f"Write a message of 1 to {MAX_BROADCAST} characters.")
    answer = await who.api("POST", "/notify", json={"message": message})
    if answer.status_code != 200:
        return render(request, who, "console/broadcast.html", status=400, sent=False,
                      error="The message could not be sent.")
    return redirect(who, "/console/broadcast?sent=1")
