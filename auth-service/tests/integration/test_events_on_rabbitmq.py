"""`user.registered` and `auth.session_revoked` leave through the outbox onto the real broker."""
import json
import time

import pika
import pytest
from auth_service.main import create_app
from bookstore_shared.events import Envelope
from fastapi.testclient import TestClient

pytestmark = pytest.mark.integration


@pytest.fixture
def rabbit_app(infra, new_instance, h):
    """An auth app with a RabbitBus, and a temporary queue bound to its exchange."""
    instance = new_instance()
    conn = pika.BlockingConnection(pika.URLParameters(infra.rabbitmq_url))
    channel = conn.channel()
    channel.exchange_declare(f"{instance}.events", exchange_type="topic", durable=True)
    queue = channel.queue_declare("", exclusive=True).method.queue
    for key in ("user.registered", "auth.session_revoked"):
        channel.queue_bind(queue, f"{instance}.events", routing_key=key)
    settings = h.make_settings(infra, instance, BOOKSTORE_RABBITMQ_URL=infra.rabbitmq_url)
    with TestClient(create_app(settings)) as client:
        yield client, channel, queue
    conn.close()


def _next_message(channel, queue, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        method, props, body = channel.basic_get(queue, auto_ack=True)
        if method:
            return method, props, body
        time.sleep(0.05)
    raise AssertionError("no event arrived")


def test_user_registered_reaches_the_exchange_in_the_envelope(rabbit_app, h):
    client, channel, queue = rabbit_app
    name = h.unique_name()
    r = client.post("/register", json={"username": name, "email": f"{name}@example.com",
                                       "password": h.PASSWORD},
                    headers={"X-Request-ID": "req-register-1"})
    assert r.status_code == 201
    method, props, body = _next_message(channel, queue)
    raw = json.loads(body)
    assert set(raw) == {"id", "type", "version", "occurred_at", "producer", "correlation_id",
                        "causation_id", "data"}
    env = Envelope.from_bytes(body)
    assert (method.routing_key, env.type, env.version, env.producer) == (
        "user.registered", "user.registered", 1, "auth")
    assert env.correlation_id == "req-register-1" and env.causation_id is None
    assert env.data == {"user_id": r.json()["user_id"], "username": name,
                        "email": f"{name}@example.com"}
    assert props.delivery_mode == 2  # persistent
    deadline = time.monotonic() + 5  # marked sent within MARK_EVERY_S of the broker's confirm
    while h.sql(client, "SELECT sent_at FROM outbox WHERE event_id=:e", e=env.id)[0][0] is None:
        assert time.monotonic() < deadline, "the published event is never marked sent"
        time.sleep(0.05)


def test_logout_publishes_session_revoked(rabbit_app, h):
    client, channel, queue = rabbit_app
    user = h.register(client)
    _next_message(channel, queue)  # user.registered
    tokens = h.login(client, user)
    assert client.get("/logout", headers=h.bearer(tokens["access_token"])).status_code == 200
    method, _, body = _next_message(channel, queue)
    env = Envelope.from_bytes(body)
    payload = env.payload()
    assert method.routing_key == "auth.session_revoked"
    from jose import jwt
    claims = jwt.get_unverified_claims(tokens["access_token"])
    assert (payload.session_id, payload.user_id) == (claims["sid"], user["user_id"])
    assert int(payload.expires_at.timestamp()) == claims["exp"]
