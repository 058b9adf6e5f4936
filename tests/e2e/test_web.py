"""The web pieces in both modes: `/` and `/shop/` answer HTML from the web service (standalone it
runs in the one process), everything else stays JSON; admins list everyone's orders and reach
the dead-letter endpoints (standalone: the in-process bus)."""
from __future__ import annotations

import uuid

from .test_orders import add_book, place


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
