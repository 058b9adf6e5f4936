"""Tokens of revoked sessions are refused at the gateway, fed by RabbitMQ and auth's snapshot."""
import time
from datetime import UTC, datetime, timedelta

from bookstore_shared.bus import RabbitBus
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import SessionRevoked

from .conftest import SNAPSHOT_SID, token_with

REVOKED = {"message": "Invalid or expired token", "error": "session revoked"}


def wait_for_status(client, status: int, timeout: float = 10, **kwargs):
    deadline = time.monotonic() + timeout
    while True:
        response = client.get("/users/me", **kwargs)
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def test_a_session_revoked_on_the_bus_is_refused_from_then_on(client, gateway, infra):
    _, settings = gateway
    token = token_with({"sub": "5", "sid": "sid-live-then-revoked"})
    auth = {"Authorization": f"Bearer {token}"}
    before = client.get("/users/me", headers=auth)
    assert before.status_code == 200
    assert before.json()["headers"]["authorization"] == f"Bearer {token}"

    bus = RabbitBus(infra.rabbitmq_url, instance=settings.instance)
    expires = datetime.now(UTC) + timedelta(minutes=15)
    bus.publish([Envelope.wrap(SessionRevoked(session_id="sid-live-then-revoked", user_id=5,
                                              expires_at=expires), producer="auth")])
    bus.stop()

    after = wait_for_status(client, 401, headers=auth)
    assert after.status_code == 401 and after.json() == REVOKED
    cookie = wait_for_status(client, 401, cookies={"access_token": token})
    assert cookie.json() == REVOKED
    other = client.get("/users/me", headers={"Authorization": "Bearer " + token_with({"sid": "x"})})
    assert other.status_code == 200


def test_sessions_revoked_before_the_gateway_started_come_from_auths_snapshot(client):
    token = token_with({"sub": "6", "sid": SNAPSHOT_SID})
    response = wait_for_status(client, 401, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json() == REVOKED
    assert client.get("/api/books", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_requests_without_a_token_are_not_checked(client):
    assert client.get("/users/me").status_code == 200
