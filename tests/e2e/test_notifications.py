"""Notifications on the whole system through the gateway: per-user WebSockets, broadcasts, and the
purchase email (at a real SMTP server) carrying the uploaded PDF byte for byte."""
from __future__ import annotations

import time

import orjson
import pytest
from websockets.sync.client import connect

from .test_books import make_pdf

STATUSES = ["PENDING", "PROCESSING", "SHIPPED", "DELIVERED"]


def recv_json(ws, timeout: float = 20.0) -> dict:
    return orjson.loads(ws.recv(timeout=timeout))


def test_an_order_reaches_only_its_owner_in_order_and_the_buyer_is_mailed_the_pdf(mail_system):
    admin, ann, bob = mail_system.admin, mail_system.user(), mail_system.user()
    pdf = make_pdf(3)
    r = mail_system.client.post("/books", headers=admin["headers"], data={
        "title": "The Lighthouse: Keeper's Log", "author": "Ann Author", "price": "9.90",
        "stock": "5"}, files={"pdf": ("upload.pdf", pdf, "application/pdf")})
    assert r.status_code == 201, r.text
    book_id = r.json()["book_id"]

    with connect(f"{mail_system.ws_url}?token={ann['token']}") as a, \
            connect(f"{mail_system.ws_url}?token={bob['token']}") as b:
        time.sleep(0.5)  # both sockets registered at the notification service
        r = mail_system.client.post("/orders", headers=ann["headers"],
                                    json={"book_id": book_id, "quantity": 1})
        assert r.status_code == 201, r.text
        order_id = r.json()["order_id"]
        seen = [recv_json(a) for _ in STATUSES]
        assert seen == [{"type": "order_status", "order_id": order_id, "status": s}
                        for s in STATUSES]

        r = mail_system.client.post("/notify", headers=admin["headers"],
                                    json={"message": "Store closes at 6"})
        assert (r.status_code, r.json()) == (200, {"message": "Notification sent"})
        assert recv_json(a) == {"type": "global", "message": "Store closes at 6"}
        # Bob's first message is the broadcast: none of Ann's order events reached him
        assert recv_json(b) == {"type": "global", "message": "Store closes at 6"}

    [mail] = mail_system.sink.wait_for(f"#{order_id} is confirmed")
    assert mail["To"] == ann["email"]
    parts = [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True))
             for p in mail.iter_attachments()]
    assert parts == [("The Lighthouse Keeper's Log.pdf", "application/pdf", pdf)]


def test_notify_through_the_gateway_is_for_admins_and_needs_a_message(mail_system):
    admin, user = mail_system.admin, mail_system.user()
    r = mail_system.client.post("/notify", headers=user["headers"], json={"message": "hi"})
    assert (r.status_code, r.json()) == (403, {"message": "Admin access required"})
    assert mail_system.client.post("/notify", json={"message": "hi"}).status_code == 401
    r = mail_system.client.post("/api/notify", headers=admin["headers"], json={"message": " "})
    assert (r.status_code, r.json()) == (400, {"message": "Message is required"})


def test_a_socket_without_a_token_gets_nothing_and_is_closed_with_1008(mail_system):
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    try:
        with connect(mail_system.ws_url) as ws, pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    except InvalidStatus as refused:  # refused at the handshake is allowed too
        assert refused.response.status_code == 401
