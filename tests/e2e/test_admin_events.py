"""The gateway's admin event feed on the whole system: one order's saga, live, as an admin sees it."""
from __future__ import annotations

import json
import threading

import httpx

from .saga import (
    assert_one_orders_saga,
    assert_saga_tail,
    new_request_id,
    place_order,
)
from .test_orders import add_book


def server_sent(response: httpx.Response):
    """Envelopes of a `text/event-stream`, checking each `event:` names its routing key."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if line == "" and "data" in fields:
            envelope = json.loads(fields["data"])
            assert fields.get("event") == envelope["type"] and fields.get("id") == envelope["id"]
            yield envelope
        if line == "":
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


class Feed:
    """`GET /admin/events` read in a thread until the order it shows is delivered."""

    def __init__(self, url: str, headers: dict, params: dict):
        self.events: list[dict] = []
        self.status: int | None = None
        self.error: BaseException | None = None
        self.opened, self.done = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, args=(url, headers, params), daemon=True)
        self._thread.start()
        assert self.opened.wait(15), "the feed never answered"

    def _run(self, url: str, headers: dict, params: dict) -> None:
        try:
            with httpx.Client(base_url=url, timeout=30) as client, \
                    client.stream("GET", "/admin/events", headers=headers,
                                  params=params) as response:
                self.status = response.status_code
                assert response.headers["content-type"].startswith("text/event-stream")
                self.opened.set()
                for envelope in server_sent(response):
                    self.events.append(envelope)
                    if (envelope["type"], envelope["data"].get("status")) == (
                            "order.status_changed", "DELIVERED"):
                        return
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            self.opened.set()
            self.done.set()

    def wait(self, timeout: float = 30.0) -> list[dict]:
        assert self.done.wait(timeout), f"no delivery seen; got {self.events}"
        assert self.error is None, repr(self.error)
        return self.events


def test_an_admin_watches_one_orders_saga_through_the_gateway(system, admin_headers, new_user):
    book = add_book(system, admin_headers, stock=10)
    alice, bob = new_user(), new_user()
    request_id = new_request_id()
    patterns = ["order.#", "inventory.#", "shipment.#"]
    by_request = Feed(system.url, admin_headers, {"pattern": patterns,
                                                  "correlation_id": request_id})
    assert by_request.status == 200
    others = [place_order(system, bob, book)]
    order_id = place_order(system, alice, book, request_id=request_id)
    by_order = Feed(system.url, admin_headers, {"order_id": str(order_id)})
    others.append(place_order(system, bob, book))

    full, tail = by_request.wait(), by_order.wait()
    assert_one_orders_saga(full, order_id, request_id)
    assert_saga_tail(tail, full, order_id)
    assert not [e for e in full + tail if e["data"].get("order_id") in others]


def test_the_feed_is_for_admins_only(system, new_user):
    user = system.client.get("/admin/events", headers=new_user())
    assert user.status_code == 403 and user.json() == {"message": "Admin access required"}
    anonymous = system.client.get("/api/admin/events")
    assert anonymous.status_code == 401
    assert anonymous.json() == {"message": "Authentication required"}


def test_the_gateway_serves_the_asyncapi_document(system):
    r = system.client.get("/asyncapi.yaml")
    assert r.status_code == 200 and r.text.startswith("asyncapi: 2.6.0")
    assert set(system.client.get("/asyncapi.json").json()["channels"]) >= {
        "order.placed", "shipment.updated.{status}", "order.status_changed.{status}"}
