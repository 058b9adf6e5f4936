"""`/admin/dlq` (CONTRACT.md, "Operations over HTTP"): read, replay and purge dead letters, on the
real RabbitMQ and on the in-process bus (standalone), admins only."""
from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from bookstore_shared.bus import InProcessBus, RabbitBus
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import UserRegistered
from bookstore_testing import free_port_base, wait_for
from gateway.config import Settings
from gateway.main import create_app

from .conftest import ThreadServer
from .signing import access_token

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {access_token(admin=True)}"}


class FlakyConsumer:
    """Fails every event until `fixed`, then records what it processed (once per event id, as
    a service's inbox would)."""

    def __init__(self) -> None:
        self.fixed = False
        self.effects: list[str] = []
        self.seen: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, env: Envelope) -> None:
        if not self.fixed:
            raise ValueError("the welcome template is missing")
        with self.lock:
            if env.id not in self.seen:
                self.seen.add(env.id)
                self.effects.append(env.data["username"])


def registered(name: str) -> Envelope:
    return Envelope.wrap(UserRegistered(user_id=1, username=name, email=f"{name}@example.com"),
                         producer="auth")


def park_two(bus, consumer: FlakyConsumer, client: httpx.Client) -> list[Envelope]:
    """Two events that fail every attempt, until both are parked in notification's DLQ."""
    envelopes = [registered("ann"), registered("bob")]
    bus.publish(envelopes)
    wait_for(lambda: _count(client) == 2, what="two dead letters", timeout=15)
    return envelopes


def _count(client: httpx.Client) -> int:
    answer = client.get("/admin/dlq", headers=ADMIN).json()
    return next((row["count"] for row in answer if row["service"] == "notification"), 0)


def exercise(bus, consumer: FlakyConsumer, client: httpx.Client) -> None:
    """The whole contract on one bus: list, read, replay one by id, replay the rest, purge."""
    ann, bob = park_two(bus, consumer, client)
    letters = client.get("/admin/dlq/notification", headers=ADMIN).json()
    assert sorted(x["id"] for x in letters) == sorted([ann.id, bob.id])
    first = next(x for x in letters if x["id"] == ann.id)
    assert first["routing_key"] == "user.registered"
    assert first["envelope"]["data"]["username"] == "ann"
    assert first["error"] == "ValueError: the welcome template is missing"
    assert first["attempts"] == 2 and first["dead_lettered_at"]

    consumer.fixed = True
    r = client.post("/admin/dlq/notification/replay", json={"ids": [bob.id]}, headers=ADMIN)
    assert r.status_code == 200 and r.json() == {"replayed": 1}
    wait_for(lambda: consumer.effects == ["bob"], what="bob's replayed event")
    assert [x["id"] for x in client.get("/admin/dlq/notification", headers=ADMIN).json()] \
        == [ann.id]

    # A letter parked twice (delivered twice before it failed) takes effect once.
    assert client.post("/admin/dlq/notification/replay", headers=ADMIN).json() == {"replayed": 1}
    wait_for(lambda: consumer.effects == ["bob", "ann"], what="ann's replayed event")
    assert client.post("/admin/dlq/notification/replay", headers=ADMIN).json() == {"replayed": 0}

    consumer.fixed = False
    bus.publish([registered("cy")])
    wait_for(lambda: _count(client) == 1, what="a third dead letter", timeout=15)
    assert client.post("/admin/dlq/notification/purge", headers=ADMIN).json() == {"purged": 1}
    assert client.get("/admin/dlq/notification", headers=ADMIN).json() == []
    assert consumer.effects == ["bob", "ann"]


def test_dead_letters_are_read_replayed_and_purged_on_rabbitmq(gateway, infra):
    _, settings = gateway
    bus = RabbitBus(infra.rabbitmq_url, instance=settings.instance, retry_delays_ms=[50])
    consumer = FlakyConsumer()
    bus.subscribe("notification", ["user.registered"], consumer)
    bus.start()
    try:
        wait_for(bus.is_healthy, what="the consumer")
        with httpx.Client(base_url=f"http://127.0.0.1:{settings.port}", timeout=15) as client:
            exercise(bus, consumer, client)
    finally:
        bus.stop()


@pytest.fixture(scope="module")
def standalone_gateway(upstreams, port_base, instance) -> Iterator[tuple[str, InProcessBus]]:
    bus = InProcessBus(retry_delays_ms=[20])
    settings = Settings(_env_file=None, port_base=port_base, instance=instance)
    app = create_app(settings, bus=bus)
    consumer = FlakyConsumer()
    bus.subscribe("notification", ["user.registered"], consumer)
    bus.start()
    port = free_port_base(1)
    try:
        with ThreadServer(app, port):
            yield f"http://127.0.0.1:{port}", bus, consumer
    finally:
        bus.stop()


def test_dead_letters_are_read_replayed_and_purged_standalone(standalone_gateway):
    url, bus, consumer = standalone_gateway
    with httpx.Client(base_url=url, timeout=15) as client:
        exercise(bus, consumer, client)


def test_dead_letters_are_for_admins_only_and_services_are_checked(client):
    user = {"Authorization": f"Bearer {access_token(admin=False)}"}
    assert client.get("/admin/dlq").json() == {"message": "Authentication required"}
    r = client.get("/admin/dlq/notification", headers=user)
    assert r.status_code == 403 and r.json() == {"message": "Admin access required"}
    assert client.post("/admin/dlq/order/purge", headers=user).status_code == 403
    r = client.get("/admin/dlq/nosuch", headers=ADMIN)
    assert r.status_code == 404 and r.json()["message"] == "Unknown service"
    r = client.post("/admin/dlq/order/replay", json={"ids": "all"}, headers=ADMIN)
    assert r.status_code == 400 and "ids" in r.json()["error"]
    r = client.get("/api/admin/dlq/order", params={"limit": 0}, headers=ADMIN)
    assert r.status_code == 400
