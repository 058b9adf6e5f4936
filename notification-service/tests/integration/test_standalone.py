"""Standalone mode: SQLite, the in-process bus, and mail written as .eml files."""
from __future__ import annotations

import time
from email import message_from_bytes, policy

import httpx
import orjson
import pytest
from bookstore_shared.bus import InProcessBus
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import UserRegistered
from bookstore_shared.security import StaticKeys
from bookstore_testing import served
from notification_service.config import Settings
from notification_service.main import create_app
from websockets.sync.client import connect


@pytest.fixture
def standalone(tmp_path, signing_key, monkeypatch):
    """The service under a real uvicorn (a socket closed by the client ends like in production;
    the test client's own cancellation would race the server's orderly shutdown of the socket)."""
    for name in ("BOOKSTORE_MYSQL_URL", "BOOKSTORE_RABBITMQ_URL", "BOOKSTORE_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    bus = InProcessBus(retry_delays_ms=[50, 100])
    settings = Settings(_env_file=None, data_dir=tmp_path, instance="standalone")
    app = create_app(settings, bus=bus, keys=StaticKeys(signing_key.jwks))
    with served(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        bus.start()
        yield client, bus, tmp_path
        bus.stop()


def test_without_smtp_the_welcome_email_is_written_as_an_eml_file(standalone):
    _client, bus, data_dir = standalone
    bus.publish([Envelope.wrap(UserRegistered(user_id=7, username="fay", email="fay@example.com"),
                               producer="auth")])
    deadline = time.monotonic() + 10
    while not list((data_dir / "mail").glob("*.eml")):
        assert time.monotonic() < deadline, "no .eml written"
        time.sleep(0.05)
    [eml] = list((data_dir / "mail").glob("*.eml"))
    mail = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert (mail["To"], mail["Subject"]) == ("fay@example.com", "Welcome to Bookstore")


def test_a_broadcast_reaches_a_socket_over_the_in_process_bus(standalone, signing_key):
    client, _bus, _ = standalone
    admin = {"Authorization": f"Bearer {signing_key.token(1, admin=True)}"}
    ws_url = str(client.base_url).replace("http://", "ws://").rstrip("/")
    with connect(f"{ws_url}/ws?token={signing_key.token(8)}") as ws:
        time.sleep(0.2)
        r = client.post("/notify", json={"message": "standalone hello"}, headers=admin)
        assert r.json() == {"message": "Notification sent"}
        assert orjson.loads(ws.recv(timeout=10)) == {"type": "global",
                                                     "message": "standalone hello"}
