"""Two service processes on one instance, and a client that never reads."""
from __future__ import annotations

import base64
import os
import socket
import threading
import time

import httpx
import orjson
import pytest
from bookstore_shared.events.contracts import (
    NotificationBroadcast,
    OrderConfirmed,
    OrderLine,
    OrderStatusChanged,
    UserRegistered,
)
from bookstore_shared.probe import EventProbe
from bookstore_shared.settings import BaseServiceSettings
from websockets.sync.client import connect

pytestmark = pytest.mark.integration


def recv_json(ws, timeout: float = 10.0) -> dict:
    return orjson.loads(ws.recv(timeout=timeout))


def test_two_replicas_each_deliver_broadcasts_and_owner_events_and_send_each_email_once(
        infra, upstream, signing_key, instance_name, make_smtp_sink, start_service):
    pdf = b"%PDF-1.7\n" + os.urandom(200_000) + b"\n%%EOF\n"
    upstream.pdfs[601] = pdf
    sink = make_smtp_sink()
    one, two = start_service(instance_name, sink.port), start_service(instance_name, sink.port)
    admin = {"Authorization": f"Bearer {signing_key.token(1, admin=True)}"}
    with connect(f"{one.ws_url}?token={signing_key.token(401)}") as a, \
            connect(f"{two.ws_url}?token={signing_key.token(402)}") as b, \
            EventProbe(infra.rabbitmq_url, instance_name) as probe:
        _wait_for_metric(one, "notification_ws_connections", 1)
        _wait_for_metric(two, "notification_ws_connections", 1)
        assert httpx.post(f"{one.url}/notify", json={"message": "to all replicas"},
                          headers=admin, timeout=10).status_code == 200
        assert recv_json(a) == recv_json(b) == {"type": "global", "message": "to all replicas"}
        probe.publish(OrderStatusChanged(order_id=71, user_id=402, status="PENDING"))
        assert recv_json(b) == {"type": "order_status", "order_id": 71, "status": "PENDING"}

        probe.publish(UserRegistered(user_id=401, username="amy", email="amy@example.com"))
        sink.wait_for("Welcome")
        orders = list(range(1001, 1009))
        probe.publish(*[OrderConfirmed(order_id=o, user_id=401, items=[
            OrderLine(book_id=601, quantity=1, title="Replicated")]) for o in orders])
        sink.wait_for("is confirmed", len(orders), timeout=30)
        time.sleep(2)  # give a duplicate every chance to show up
    mails = sink.messages("is confirmed")
    assert sorted(str(m["Subject"]) for m in mails) == sorted(
        f"Your Bookstore order #{o} is confirmed" for o in orders)
    for mail in mails:
        [part] = list(mail.iter_attachments())
        assert (part.get_filename(), part.get_payload(decode=True)) == ("Replicated.pdf", pdf)
    assert len(sink.messages("Welcome")) == 1
    # the email consumers of both replicas really compete on the shared queue
    with EventProbe(infra.rabbitmq_url, instance_name) as probe:
        _, consumers = probe.queue_depth(f"{instance_name}.notification")
    assert consumers == 2 * BaseServiceSettings(_env_file=None).consumers


def _raw_socket_that_never_reads(url: str, token: str) -> socket.socket:
    """Completes the WebSocket handshake, then never reads again (a stuck client)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws?token={token} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    assert b" 101 " in sock.recv(1024)
    return sock


def _wait_for_metric(service, name: str, value: float, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while service.metric(name) != value:
        assert time.monotonic() < deadline, f"{name} never reached {value}"
        time.sleep(0.05)


def test_a_client_that_never_reads_is_dropped_and_does_not_stall_a_fast_one(
        infra, signing_key, instance_name, make_smtp_sink, start_service):
    service = start_service(instance_name, make_smtp_sink().port, BOOKSTORE_WS_QUEUE_SIZE="32")
    slow = _raw_socket_that_never_reads(service.url, signing_key.token(501))
    count, filler = 400, "x" * 32_000
    got: list[str] = []
    try:
        with connect(f"{service.ws_url}?token={signing_key.token(502)}") as fast, \
                EventProbe(infra.rabbitmq_url, instance_name) as probe:
            _wait_for_metric(service, "notification_ws_connections", 2)

            def read_all() -> None:
                for _ in range(count):
                    got.append(recv_json(fast)["message"].split(":")[0])

            reader = threading.Thread(target=read_all, daemon=True)
            reader.start()
            started = time.monotonic()
            for first in range(0, count, 10):  # bursts the fast client can absorb as they come
                probe.publish(*[NotificationBroadcast(message=f"{i}:{filler}")
                                for i in range(first, first + 10)])
                time.sleep(0.02)
            reader.join(30)
            assert got == [str(i) for i in range(count)]
            assert time.monotonic() - started < 30
            _wait_for_metric(service, "notification_ws_connections", 1)
            assert service.metric("notification_ws_slow_client_closes_total") == 1
    finally:
        slow.close()
