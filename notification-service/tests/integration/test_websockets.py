"""WebSockets straight to the service: who receives what, and who is refused."""
from __future__ import annotations

import time

import httpx
import orjson
import pytest
from bookstore_shared.events.contracts import OrderStatusChanged, SessionRevoked
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

pytestmark = pytest.mark.integration


def recv_json(ws, timeout: float = 10.0) -> dict:
    return orjson.loads(ws.recv(timeout=timeout))


def closed_code(ws, timeout: float = 10.0) -> tuple[int | None, list]:
    """Read until the server closes; (close code, messages received before it)."""
    received = []
    try:
        while True:
            received.append(ws.recv(timeout=timeout))
    except ConnectionClosed as exc:
        return (exc.rcvd.code if exc.rcvd else None), received


def notify(stack, token: str | None, body) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{stack.service.url}/notify", json=body, headers=headers, timeout=10)


def test_each_user_receives_only_their_own_order_statuses_in_order_and_both_get_broadcasts(
        stack, signing_key):
    admin = signing_key.token(1, admin=True)
    with connect(f"{stack.service.ws_url}?token={signing_key.token(101)}") as a, \
            connect(f"{stack.service.ws_url}?token={signing_key.token(102)}") as b:
        time.sleep(0.2)  # both sockets registered before the events are published
        statuses = ["PENDING", "PROCESSING", "SHIPPED", "DELIVERED"]
        stack.probe.publish(*[OrderStatusChanged(order_id=55, user_id=101, status=s)
                              for s in statuses])
        got = [recv_json(a) for _ in statuses]
        assert got == [{"type": "order_status", "order_id": 55, "status": s} for s in statuses]
        response = notify(stack, admin, {"message": "Spring sale"})
        assert response.status_code == 200 and response.json() == {"message": "Notification sent"}
        assert recv_json(a) == {"type": "global", "message": "Spring sale"}
        # B's first message is the broadcast: none of A's order events reached it
        assert recv_json(b) == {"type": "global", "message": "Spring sale"}


def test_a_token_in_the_cookie_or_the_authorization_header_is_accepted(stack, signing_key):
    cookie = {"Cookie": f"access_token={signing_key.token(103)}"}
    bearer = {"Authorization": f"Bearer {signing_key.token(103)}"}
    with connect(stack.service.ws_url, additional_headers=cookie) as c, \
            connect(stack.service.ws_url.replace("/ws", "/api/ws"), additional_headers=bearer) as h:
        time.sleep(0.2)
        stack.probe.publish(OrderStatusChanged(order_id=9, user_id=103, status="SHIPPED"))
        expected = {"type": "order_status", "order_id": 9, "status": "SHIPPED"}
        assert recv_json(c) == expected and recv_json(h) == expected


@pytest.mark.parametrize("query", ["", "?token=", "?token=not-a-jwt", "?token=EXPIRED",
                                   "?token=FORGED"])
def test_a_socket_without_a_valid_token_is_closed_with_1008_before_receiving_anything(
        stack, signing_key, query):
    from notification_it_support import SigningKey

    if query == "?token=EXPIRED":
        query = f"?token={signing_key.token(104, ttl_s=-60)}"
    elif query == "?token=FORGED":
        query = f"?token={SigningKey().token(104)}"  # right claims, unknown key
    with connect(stack.service.ws_url + query) as ws:
        notify(stack, signing_key.token(1, admin=True), {"message": "not for anonymous"})
        code, received = closed_code(ws)
    assert code == 1008
    assert received == []


def test_revoking_the_session_closes_its_socket_and_the_token_is_refused_afterwards(
        stack, signing_key):
    token = signing_key.token(105, session_id="sess-105")
    other = signing_key.token(105, session_id="sess-105b")
    with connect(f"{stack.service.ws_url}?token={token}") as ws, \
            connect(f"{stack.service.ws_url}?token={other}") as kept:
        time.sleep(0.2)
        stack.probe.publish(SessionRevoked(session_id="sess-105", user_id=105,
                                           expires_at="2099-01-01T00:00:00Z"))
        code, _ = closed_code(ws)
        assert code == 1008
        stack.probe.publish(OrderStatusChanged(order_id=3, user_id=105, status="PENDING"))
        assert recv_json(kept) == {"type": "order_status", "order_id": 3, "status": "PENDING"}
    with connect(f"{stack.service.ws_url}?token={token}") as again:
        code, received = closed_code(again)
    assert code == 1008 and received == []


def test_a_socket_is_closed_when_its_token_expires(stack, signing_key):
    with connect(f"{stack.service.ws_url}?token={signing_key.token(108, ttl_s=2)}") as ws:
        time.sleep(0.2)
        stack.probe.publish(OrderStatusChanged(order_id=4, user_id=108, status="PENDING"))
        assert recv_json(ws) == {"type": "order_status", "order_id": 4, "status": "PENDING"}
        started = time.monotonic()
        code, received = closed_code(ws, timeout=10)
    assert (code, received) == (1008, [])
    assert time.monotonic() - started < 4


def test_an_app_level_ping_is_answered(stack, signing_key):
    with connect(f"{stack.service.ws_url}?token={signing_key.token(106)}") as ws:
        ws.send("ping")
        assert recv_json(ws) == {"type": "pong"}


def test_notify_refuses_non_admins_anonymous_callers_and_bad_messages(stack, signing_key):
    admin, user = signing_key.token(1, admin=True), signing_key.token(107)
    assert notify(stack, None, {"message": "x"}).status_code == 401
    forbidden = notify(stack, user, {"message": "x"})
    assert (forbidden.status_code, forbidden.json()) == (403, {"message": "Admin access required"})
    for body in ({"message": ""}, {"message": "   "}, {}, {"message": None}):
        r = notify(stack, admin, body)
        assert (r.status_code, r.json()) == (400, {"message": "Message is required"}), body
    too_long = notify(stack, admin, {"message": "x" * 1001})
    assert too_long.status_code == 400 and "too long" in too_long.json()["message"]
    no_body = httpx.post(f"{stack.service.url}/api/notify",
                         headers={"Authorization": f"Bearer {admin}"}, timeout=10)
    assert (no_body.status_code, no_body.json()) == (400, {"message": "Message is required"})
