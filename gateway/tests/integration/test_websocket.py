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


def test_sockets_do_not_take_the_http_pool(upstreams, port_base, infra, new_instance):
    """More sockets than the HTTP pool has connections: each is proxied, and HTTP still flows
    (a socket holds its upstream connection as long as it lives)."""
    import httpx
    from bookstore_testing import free_port_base
    from gateway.config import Settings
    from gateway.main import create_app

    from .conftest import INTERNAL_TOKEN, ThreadServer

    own = free_port_base()
    settings = Settings(_env_file=None, port_base=own, rabbitmq_url=infra.rabbitmq_url,
                        instance=new_instance(), upstream_pool_size=2, upstream_timeout_s=1.5,
                        internal_token=INTERNAL_TOKEN,
                        service_urls={name: f"http://127.0.0.1:{port_base + offset}" for
                                      name, offset in (("auth", 1), ("catalog", 2),
                                                       ("notification", 6))})
    with ThreadServer(create_app(settings), settings.port):
        url = f"127.0.0.1:{settings.port}"
        deadline = time.monotonic() + 30
        while (ready := httpx.get(f"http://{url}/readyz")).status_code != 200:
            assert time.monotonic() < deadline, f"gateway never became ready: {ready.text}"
            time.sleep(0.1)
        sockets = [connect(f"ws://{url}/ws?token=good") for _ in range(4)]
        try:
            for n, ws in enumerate(sockets):
                ws.send(f"s{n}")
                assert ws.recv(timeout=5) == f"echo:s{n}"
            r = httpx.get(f"http://{url}/books", timeout=5)
            assert r.status_code == 200, r.text
        finally:
            for ws in sockets:
                ws.close()
