"""The web pieces in both modes: `/` and `/shop/` answer HTML from the web service (standalone it
runs in the one process), everything else stays JSON; admins list everyone's orders, read each
order's stored event timeline (also on its console page) and reach the dead-letter endpoints
(standalone: the in-process bus)."""
from __future__ import annotations

import re
import uuid

from .test_orders import add_book, place, status_of, wait_for


def test_the_root_leads_to_the_storefront_and_the_api_stays_json(system, admin_headers):
    book_id = add_book(system, admin_headers, stock=3)
    home = system.client.get("/", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (302, "/shop/")
    title = system.client.get(f"/books/{book_id}").json()["title"]
    shop = system.client.get("/shop/", params={"q": title})
    assert shop.status_code == 200 and shop.headers["content-type"].startswith("text/html")
    assert f'<a href="/shop/books/{book_id}">{title}</a>' in shop.text
    assert 'type="search"' in shop.text
    missing = system.client.get("/shop/no-such-page")
    assert missing.status_code == 404 and "There is nothing here." in missing.text
    api = system.client.get("/no-such-route")
    assert api.status_code == 404 and api.json() == {"message": "Not found"}
    assert system.client.get(f"/books/{book_id}").json()["id"] == book_id


def test_an_admin_lists_everyones_orders_and_a_user_may_not(system, admin_headers, new_user):
    book_id = add_book(system, admin_headers, stock=5)
    buyers = [new_user(), new_user()]
    placed = [place(system, h, {"book_id": book_id, "quantity": 1}).json()["order_id"]
              for h in buyers]
    everyone = system.client.get("/orders", params={"all": 1, "limit": 200},
                                 headers=admin_headers)
    assert everyone.status_code == 200
    ids = [o["id"] for o in everyone.json()]
    assert ids.index(placed[1]) < ids.index(placed[0])  # newest first
    assert int(everyone.headers["X-Total-Count"]) >= 2
    refused = system.client.get("/orders?all=1", headers=buyers[0])
    assert (refused.status_code, refused.json()) == (403, {"message": "Admin access required"})


def test_admins_reach_the_dead_letters_of_every_consuming_service(system, admin_headers,
                                                                 new_user):
    counts = system.client.get("/admin/dlq", headers=admin_headers)
    assert counts.status_code == 200
    services = {row["service"] for row in counts.json()}
    assert {"catalog", "order", "inventory", "shipping", "notification", "ai"} <= services
    assert all(isinstance(row["count"], int) for row in counts.json())
    assert system.client.get("/admin/dlq/inventory", headers=admin_headers).status_code == 200
    refused = system.client.post("/admin/dlq/inventory/replay", headers=new_user(),
                                 json={"ids": [str(uuid.uuid4())]})
    assert (refused.status_code, refused.json()) == (403, {"message": "Admin access required"})


def _timeline(system, headers, order_id: int) -> list[dict]:
    r = system.client.get(f"/orders/{order_id}/events", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _keys(timeline: list[dict]) -> list[tuple[str, str, str]]:
    return [(e["type"], e["producer"], e["status"]) for e in timeline]


# One event per status: order.placed, order.confirmed and order.cancelled say theirs.
PLACED = [("order.placed", "order", "PENDING")]
RESERVED = [("inventory.reserved", "inventory", "PROCESSING"),
            ("order.confirmed", "order", "PROCESSING")]
CANCELLED = [("order.cancelled", "order", "CANCELLED")]


def test_an_admin_reads_a_delivered_orders_stored_timeline_and_its_console_page(
        system, admin_headers, new_user):
    buyer = new_user()
    order_id = place(system, buyer, {"book_id": add_book(system, admin_headers, stock=3),
                                     "quantity": 1}).json()["order_id"]
    wait_for(lambda: status_of(system, buyer, order_id) == "DELIVERED", what="delivery")

    timeline = _timeline(system, admin_headers, order_id)

    assert _keys(timeline)[:3] == PLACED + RESERVED
    changes = [e["status"] for e in timeline if e["type"] == "order.status_changed"]
    assert changes == ["SHIPPED", "DELIVERED"]
    assert {e["type"] for e in timeline[3:]} == {"shipment.updated", "order.status_changed"}
    assert timeline[-1]["detail"] == "was SHIPPED"
    assert len({e["id"] for e in timeline}) == len(timeline)
    token = admin_headers["Authorization"].removeprefix("Bearer ")
    page = system.client.get(f"/console/orders/{order_id}",
                             headers={"Cookie": f"access_token={token}"})
    assert page.status_code == 200, page.text
    # the stored timeline is on the page as the server renders it, before any script runs
    listed = re.findall(r'<li data-event-id="([^"]+)">', page.text)
    assert listed == [e["id"] for e in timeline]
    assert "order.confirmed</strong> <span>→ PROCESSING — from order" in page.text


def test_a_cancelled_orders_timeline_ends_with_the_cancel_and_only_admins_read_it(
        system, admin_headers, new_user):
    buyer = new_user()
    order_id = place(system, buyer, {"book_id": add_book(system, admin_headers, stock=3),
                                     "quantity": 1}).json()["order_id"]
    cancelled = system.client.post(f"/orders/{order_id}/cancel", headers=buyer)
    assert cancelled.status_code == 200, cancelled.text

    timeline = _timeline(system, admin_headers, order_id)

    keys = _keys(timeline)
    # the reservation may have come first; after the cancel it moves nothing and is not kept
    assert keys in (PLACED + CANCELLED, PLACED + RESERVED + CANCELLED), keys
    assert timeline[-1]["detail"] in ("was PENDING (cancelled_by_user)",
                                      "was PROCESSING (cancelled_by_user)")
    refused = system.client.get(f"/orders/{order_id}/events", headers=buyer)
    assert (refused.status_code, refused.json()) == (403, {"message": "Admin access required"})
    unknown = system.client.get("/orders/987654321/events", headers=admin_headers)
    assert (unknown.status_code, unknown.json()) == (404, {"message": "Order not found"})
    assert system.client.get(f"/orders/{order_id}/events").status_code == 401
