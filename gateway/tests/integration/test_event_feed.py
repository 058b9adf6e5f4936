"""`/admin/events` on the real RabbitMQ: admins watch live events, filtered; others are refused."""
from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    BookDeleted,
    OrderLine,
    OrderPlaced,
    OrderStatusChanged,
    SessionRevoked,
    ShipmentUpdated,
    StockChanged,
)
from bookstore_shared.probe import EventProbe

from .signing import access_token

pytestmark = pytest.mark.integration


def read_events(response: httpx.Response, count: int) -> list[tuple[str, dict]]:
    """The next `count` server-sent events as (event name, envelope); comments are skipped."""
    events: list[tuple[str, dict]] = []
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if line == "":
            if "event" in fields:
                events.append((fields["event"], orjson.loads(fields["data"])))
                if len(events) == count:
                    return events
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
    raise AssertionError(f"stream ended after {events}")


@contextmanager
def feed(client: httpx.Client, path: str = "/admin/events", **params):
    """An open feed (its queue is bound once the headers arrive)."""
    token = access_token(admin=True)
    with client.stream("GET", path, params=params, timeout=10,
                       headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield response


@pytest.fixture
def probe(gateway, infra):
    _, settings = gateway
    with EventProbe(infra.rabbitmq_url, settings.instance, ["nothing"]) as p:
        yield p


def placed(order_id: int, corr: str) -> Envelope:
    return Envelope.wrap(OrderPlaced(order_id=order_id, user_id=1, items=[
        OrderLine(book_id=1, quantity=1)]), producer="order", correlation_id=corr)


def changed(order_id: int, value: str, corr: str) -> Envelope:
    return Envelope.wrap(OrderStatusChanged(order_id=order_id, user_id=1, status=value),
                         producer="order", correlation_id=corr)


def stock(corr: str) -> Envelope:
    return Envelope.wrap(StockChanged(book_id=1, stock=2), producer="inventory",
                         correlation_id=corr)


def test_an_admin_receives_only_the_routing_keys_it_asked_for(client, probe):
    with feed(client, pattern=["order.#", "shipment.*"]) as response:
        sent = probe.publish(Envelope.wrap(BookDeleted(book_id=9), producer="catalog"),
                             placed(11, "c-11"), stock("c-11"),
                             Envelope.wrap(ShipmentUpdated(shipment_id=1, order_id=11,
                                                           status="SHIPPED"), producer="shipping"),
                             changed(11, "SHIPPED", "c-11"))
        got = read_events(response, 3)
    assert [name for name, _ in got] == ["order.placed", "shipment.updated",
                                         "order.status_changed"]
    assert [env for _, env in got] == [orjson.loads(e.to_bytes()) for e in
                                       (sent[1], sent[3], sent[4])]


def test_order_id_follows_one_orders_saga_including_its_stock_changes(client, probe):
    with feed(client, "/api/admin/events", order_id="21") as response:
        probe.publish(placed(22, "c-22"), placed(21, "c-21"), stock("c-22"), stock("c-21"),
                      changed(22, "PROCESSING", "c-22"), changed(21, "PROCESSING", "c-21"))
        got = read_events(response, 3)
    assert [(name, env["correlation_id"]) for name, env in got] == [
        ("order.placed", "c-21"), ("inventory.stock_changed", "c-21"),
        ("order.status_changed", "c-21")]
    assert got[2][1]["data"]["order_id"] == 21


def test_correlation_id_selects_one_requests_events(client, probe):
    with feed(client, correlation_id="req-b") as response:
        probe.publish(placed(31, "req-a"), placed(32, "req-b"), stock("req-a"), stock("req-b"))
        got = read_events(response, 2)
    assert [(name, env["correlation_id"]) for name, env in got] == [
        ("order.placed", "req-b"), ("inventory.stock_changed", "req-b")]


def test_a_cookie_or_a_token_parameter_also_opens_the_feed(client, probe):
    token = access_token(admin=True)
    for kwargs in ({"cookies": {"access_token": token}}, {"params": {"token": token}}):
        with httpx.Client(base_url=client.base_url, timeout=10, **kwargs) as c, \
                c.stream("GET", "/admin/events") as response:
            assert response.status_code == 200
            (env,) = probe.publish(changed(41, "PENDING", "c-41"))
            assert read_events(response, 1)[0][1]["id"] == env.id


def test_anonymous_callers_forged_or_refresh_tokens_get_401(client):
    anonymous = client.get("/admin/events")
    assert anonymous.status_code == 401 and anonymous.json() == {
        "message": "Authentication required"}
    forged = access_token(admin=True)[:-4] + "AAAA"
    for token in (forged, "not-a-jwt", access_token(admin=True, token_type="refresh"),
                  access_token(admin=True, ttl_s=-5)):
        r = client.get("/admin/events", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, token
        assert r.json()["message"] == "Invalid or expired token"


def test_a_user_who_is_not_an_admin_gets_403(client):
    r = client.get("/api/admin/events", headers={"Authorization": f"Bearer {access_token()}"})
    assert r.status_code == 403 and r.json() == {"message": "Admin access required"}
    assert r.headers["x-request-id"]


def test_a_bad_filter_is_a_400_and_other_methods_a_405(client):
    admin = {"Authorization": f"Bearer {access_token(admin=True)}"}
    r = client.get("/admin/events", params={"order_id": "abc"}, headers=admin)
    assert r.status_code == 400 and r.json() == {
        "message": "Invalid event feed query", "error": "order_id must be a positive integer"}
    assert client.post("/admin/events", headers=admin).status_code == 405


def test_a_revoked_admin_session_is_refused_and_its_open_feed_ends(client, probe):
    token = access_token(admin=True, sid="sid-admin-revoked")
    auth = {"Authorization": f"Bearer {token}"}
    with client.stream("GET", "/admin/events", headers=auth, timeout=30) as response:
        assert response.status_code == 200
        probe.publish(Envelope.wrap(SessionRevoked(
            session_id="sid-admin-revoked", user_id=1,
            expires_at=datetime.now(UTC) + timedelta(minutes=10)), producer="auth"))
        deadline = time.monotonic() + 10
        while client.get("/users/me", headers=auth).status_code != 401:
            assert time.monotonic() < deadline, "the revocation never reached the gateway"
            time.sleep(0.05)
        probe.publish(changed(51, "PENDING", "c-51"))
        started = time.monotonic()
        rest = response.read()  # the stream ends instead of carrying the next event
    assert time.monotonic() - started < 5
    assert b"order.status_changed" not in rest
    r = client.get("/admin/events", headers=auth)
    assert r.status_code == 401
    assert r.json() == {"message": "Invalid or expired token", "error": "session revoked"}
