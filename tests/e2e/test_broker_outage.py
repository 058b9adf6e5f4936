"""The outbox keeps what happens while RabbitMQ is down and delivers it when it is back."""
from __future__ import annotations

import subprocess
import time
import uuid

import pika
from bookstore_shared.events import Envelope


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def test_a_user_registered_while_the_broker_is_stopped_is_announced_after_it_returns_in_services_mode(
        system):
    params = pika.URLParameters(system.env["BOOKSTORE_RABBITMQ_URL"])
    exchange = f"{system.env['BOOKSTORE_INSTANCE']}.events"
    queue = f"{system.env['BOOKSTORE_INSTANCE']}.tests"
    conn = pika.BlockingConnection(params)
    ch = conn.channel()
    ch.exchange_declare(exchange, exchange_type="topic", durable=True)
    ch.queue_declare(queue, durable=True)
    ch.queue_bind(queue, exchange, routing_key="user.registered")
    conn.close()

    name = "o" + uuid.uuid4().hex[:8]
    rabbitmqctl("stop_app")
    try:
        r = system.client.post("/register", json={"username": name, "email": f"{name}@example.com",
                                                  "password": "password while down"})
        assert r.status_code == 201, r.text
        user_id = r.json()["user_id"]
        time.sleep(1)
    finally:
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")

    conn = pika.BlockingConnection(params)
    ch = conn.channel()
    deadline = time.monotonic() + 30
    found = None
    while found is None and time.monotonic() < deadline:
        method, _props, body = ch.basic_get(queue, auto_ack=True)
        if method is None:
            time.sleep(0.1)
            continue
        env = Envelope.from_bytes(body)
        if env.data.get("user_id") == user_id:
            found = env
    conn.close()
    assert found is not None, "user.registered was not delivered after the broker came back"
    assert found.type == "user.registered" and found.producer == "auth"
    assert found.data == {"user_id": user_id, "username": name, "email": f"{name}@example.com"}
    assert found.correlation_id and found.id and found.occurred_at

    # Services recover by themselves: the gateway and auth answer and are ready again.
    deadline = time.monotonic() + 30
    while system.client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "gateway did not recover"
        time.sleep(0.2)
