"""The AsyncAPI document next to the OpenAPI one; the event feed in standalone mode (in-process
bus) over SSE and WebSocket, with its client limit."""
from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
import yaml
from bookstore_shared.bus import InProcessBus
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import OrderStatusChanged
from bookstore_testing import free_port_base
from gateway.config import Settings
from gateway.main import create_app
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from .conftest import ThreadServer
from .signing import access_token
from .test_event_feed import read_events

DOCUMENT = Path(__file__).parents[3] / "docs" / "asyncapi.yaml"


def test_the_gateway_serves_the_committed_asyncapi_document_as_yaml_and_json(client):
    for path in ("/asyncapi.yaml", "/api/asyncapi.yaml"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"] == "application/yaml"
        assert r.text == DOCUMENT.read_text()
    as_json = client.get("/asyncapi.json")
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json() == yaml.safe_load(DOCUMENT.read_text())
    assert "order.placed" in as_json.json()["channels"]


@pytest.fixture(scope="module")
def standalone(upstreams, port_base, instance):
    """A second gateway on an in-process bus (standalone mode), one feed client at most."""
    bus = InProcessBus()
    settings = Settings(_env_file=None, port_base=port_base, instance=instance,
                        event_feed_max_clients=1)
    app = create_app(settings, bus=bus)
    bus.start()
    port = free_port_base()
    try:
        with ThreadServer(app, port):
            yield f"127.0.0.1:{port}", bus, app.gateway.hub
    finally:
        bus.stop()


def wait_for_no_clients(hub, timeout: float = 5.0) -> None:
    """The previous test's feed has left (the server notices a disconnect asynchronously)."""
    deadline = time.monotonic() + timeout
    while hub.clients:
        assert time.monotonic() < deadline, "a feed client never left"
        time.sleep(0.02)


def changed(order_id: int, value: str) -> Envelope:
    return Envelope.wrap(OrderStatusChanged(order_id=order_id, user_id=1, status=value),
                         producer="order", correlation_id=f"c-{order_id}")


def test_standalone_admins_watch_the_in_process_bus_and_extra_clients_get_503(standalone):
    address, bus, hub = standalone
    wait_for_no_clients(hub)
    admin = {"Authorization": f"Bearer {access_token(admin=True)}"}
    with httpx.Client(base_url=f"http://{address}", timeout=10) as c:
        with c.stream("GET", "/admin/events", params={"order_id": "61"}, headers=admin) as r:
            assert r.status_code == 200
            busy = c.get("/admin/events", headers=admin)
            assert busy.status_code == 503
            assert busy.json() == {"message": "Too many event feed clients",
                                   "error": "at most 1 at a time"}
            bus.publish([changed(60, "PENDING"), changed(61, "PENDING"),
                         changed(61, "PROCESSING")])
            got = read_events(r, 2)
        assert [(e["data"]["order_id"], e["data"]["status"]) for _, e in got] == [
            (61, "PENDING"), (61, "PROCESSING")]


def test_the_feed_also_speaks_websocket_with_one_envelope_per_message(standalone):
    address, bus, hub = standalone
    wait_for_no_clients(hub)
    token = access_token(admin=True)
    with connect(f"ws://{address}/admin/events?pattern=order.%23&token={token}") as ws:
        sent = changed(71, "SHIPPED")
        bus.publish([changed(72, "x").model_copy(update={"type": "book.deleted"}), sent])
        assert json.loads(ws.recv(timeout=5)) == json.loads(sent.to_bytes())


def test_a_websocket_of_a_user_who_is_not_an_admin_is_closed_with_1008(standalone):
    address, _, _ = standalone
    with connect(f"ws://{address}/admin/events?token={access_token()}") as ws, \
            pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd.code == 1008 and closed.value.rcvd.reason == "Admin access required"
