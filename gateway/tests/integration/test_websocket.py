"""WebSockets through the gateway: messages both ways, close codes propagated, refusals as 1008."""
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from .conftest import SNAPSHOT_SID, token_with


@pytest.fixture()
def ws_url(gateway):
    _, settings = gateway
    return f"ws://127.0.0.1:{settings.port}"


def close_code_of(ws) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    return closed.value.rcvd.code


def test_text_and_binary_messages_make_the_round_trip(ws_url):
    with connect(ws_url + "/ws?token=good") as ws:
        ws.send("hello")
        assert ws.recv(timeout=5) == "echo:hello"
        ws.send(b"\x01\x02\x03")
        assert ws.recv(timeout=5) == b"\x03\x02\x01"


def test_the_api_prefixed_socket_and_the_login_cookie_work_too(ws_url):
    with connect(ws_url + "/api/ws", additional_headers={"Cookie": "access_token=abc"}) as ws:
        ws.send("x")
        assert ws.recv(timeout=5) == "echo:x"


def test_an_upstream_close_code_reaches_the_client(ws_url):
    with connect(ws_url + "/ws?token=good") as ws:
        ws.send("close-me")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd.code == 4001
    assert closed.value.rcvd.reason == "bye"


def test_a_client_close_code_reaches_the_upstream(ws_url, ws_closes):
    with connect(ws_url + "/ws?token=good") as ws:
        ws.send("ping")
        assert ws.recv(timeout=5) == "echo:ping"
        ws.close(code=4002)
    deadline = time.monotonic() + 5
    while 4002 not in ws_closes and time.monotonic() < deadline:
        time.sleep(0.05)
    assert 4002 in ws_closes


def test_a_handshake_the_upstream_refuses_closes_the_client_with_1008(ws_url):
    with connect(ws_url + "/ws?token=bad") as ws:
        assert close_code_of(ws) == 1008


def test_a_revoked_session_cannot_open_a_socket(ws_url):
    token = token_with({"sid": SNAPSHOT_SID})
    deadline = time.monotonic() + 10
    while True:
        with connect(ws_url + "/ws?token=good",
                     additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            try:
                ws.send("x")
                reply = ws.recv(timeout=5)
            except ConnectionClosed as closed:
                assert closed.rcvd.code == 1008
                return
        assert reply == "echo:x" and time.monotonic() < deadline
        time.sleep(0.1)


def test_a_page_of_another_site_cannot_open_a_socket_with_the_visitors_cookie(ws_url):
    from websockets.exceptions import InvalidStatus

    cookie = {"Cookie": "access_token=abc"}
    with pytest.raises(InvalidStatus) as refused:
        connect(ws_url + "/ws", additional_headers={**cookie, "Origin": "https://evil.example"})
    assert refused.value.response.status_code == 403
    for origin in ("https://shop.example", ws_url.replace("ws://", "http://")):  # allowed, same
        with connect(ws_url + "/ws", additional_headers={**cookie, "Origin": origin}) as ws:
            ws.send("x")
            assert ws.recv(timeout=5) == "echo:x"
