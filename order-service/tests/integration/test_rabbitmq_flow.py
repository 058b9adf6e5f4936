"""The service on real RabbitMQ: events leave through the outbox and the saga moves in milliseconds."""
import time

import pika
import pytest
from bookstore_shared.events import Envelope, routing_key
from bookstore_shared.events.contracts import InventoryReserved, OrderLine, ShipmentUpdated
from bookstore_shared.security import StaticKeys, TokenVerifier
from bookstore_testing import wait_for
from fastapi.testclient import TestClient
from order_service.config import Settings
from order_service.main import create_app

from .fakes import FakeCatalog, TokenMint


@pytest.fixture(scope="module")
def rabbit_app(infra, new_instance, tmp_path_factory):
    catalog = FakeCatalog().start()
    instance = new_instance()
    settings = Settings(_env_file=None, mysql_url=infra.mysql_url, rabbitmq_url=infra.rabbitmq_url,
                        instance=instance, service_urls={"catalog": catalog.url},
                        data_dir=tmp_path_factory.mktemp("order-rabbit"))
    app = create_app(settings)
    mint = TokenMint()
    app.state.token_verifier = TokenVerifier(StaticKeys(mint.jwks))
    conn = pika.BlockingConnection(pika.URLParameters(infra.rabbitmq_url))
    channel = conn.channel()
    exchange = f"{instance}.events"
    channel.exchange_declare(exchange, exchange_type="topic", durable=True)
    channel.queue_declare(f"{instance}.tests", exclusive=True)
    channel.queue_bind(f"{instance}.tests", exchange, routing_key="order.#")
    try:
        with TestClient(app) as client:
            wait_for(lambda: client.get("/readyz").status_code == 200, timeout=15)
            yield client, mint, catalog, channel, instance
    finally:
        conn.close()
        catalog.stop()


def next_event(channel, queue, kind, order_id, timeout=5.0) -> Envelope:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        method, _, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            channel.connection.process_data_events(time_limit=0.02)
            continue
        env = Envelope.from_bytes(body)
        if env.type == kind and env.data.get("order_id") == order_id:
            return env
    raise AssertionError(f"no {kind} for order {order_id}")


def test_an_order_goes_through_the_saga_over_rabbitmq_within_milliseconds(rabbit_app):
    client, mint, catalog, channel, instance = rabbit_app
    catalog.add(7001, title="Fast", price="4.20", stock=10)
    headers = {"Authorization": f"Bearer {mint.token(70)}"}
    order_id = client.post("/orders", json={"book_id": 7001, "quantity": 1},
                           headers=headers).json()["order_id"]
    placed = next_event(channel, f"{instance}.tests", "order.placed", order_id)
    assert placed.data["items"][0]["unit_price"] == "4.20"

    reservation = Envelope.wrap(InventoryReserved(order_id=order_id, items=[
        OrderLine(book_id=7001, quantity=1)]), producer="test", causation=placed)
    started = time.perf_counter()
    channel.basic_publish(f"{instance}.events", reservation.type, reservation.to_bytes())
    confirmed = next_event(channel, f"{instance}.tests", "order.confirmed", order_id)
    elapsed = time.perf_counter() - started
    assert confirmed.causation_id == reservation.id
    assert confirmed.correlation_id == placed.correlation_id
    assert client.get(f"/orders/{order_id}", headers=headers).json()["status"] == "PROCESSING"
    print(f"reservation → order.confirmed: {elapsed * 1000:.1f} ms")
    assert elapsed < 0.5, f"reservation to order.confirmed took {elapsed * 1000:.0f} ms"

    for status in ("READY", "DELIVERED"):
        update = Envelope.wrap(ShipmentUpdated(shipment_id=1, order_id=order_id, status=status),
                               producer="test")
        channel.basic_publish(f"{instance}.events", routing_key(update), update.to_bytes())
    wait_for(lambda: client.get(f"/orders/{order_id}", headers=headers)
               .json()["status"] == "DELIVERED")
