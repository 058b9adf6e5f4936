"""Emails through a real SMTP server: the purchased PDF attached byte for byte, sent exactly once."""
from __future__ import annotations

import time

import httpx
import pytest
from bookstore_shared.events.contracts import (
    OrderCancelled,
    OrderConfirmed,
    OrderLine,
    OrderStatusChanged,
    UserRegistered,
)
from bookstore_shared.probe import EventProbe
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n\x00\x01\x02\xff binary\r\n%%EOF\n"


def attachments(message) -> list[tuple[str, str, bytes]]:
    return [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True))
            for p in message.iter_attachments()]


def email_rows(infra, instance: str) -> list[dict]:
    engine = create_engine(f"{infra.mysql_url}/{instance}_notification")
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(
                "SELECT kind, recipient, status, attempts, last_error FROM outgoing_email "
                "ORDER BY id"))]
    finally:
        engine.dispose()


def test_a_confirmed_order_mails_the_buyer_the_books_pdf_byte_for_byte(stack, upstream):
    upstream.pdfs[501] = PDF
    stack.probe.publish(UserRegistered(user_id=201, username="ann", email="ann@example.com"))
    welcome = stack.sink.wait_for("Welcome")
    assert welcome[0]["To"] == "ann@example.com"
    stack.probe.publish(OrderConfirmed(order_id=901, user_id=201, items=[
        OrderLine(book_id=501, quantity=1, title="Dune: Messiah / Part 2")]))
    [mail] = stack.sink.wait_for("#901")
    assert mail["To"] == "ann@example.com"
    assert mail["From"] == "Bookstore <no-reply@bookstore.local>"
    assert attachments(mail) == [("Dune Messiah Part 2.pdf", "application/pdf", PDF)]


def test_shipped_delivered_and_cancelled_send_short_emails(stack):
    stack.probe.publish(UserRegistered(user_id=202, username="bob", email="bob@example.com"))
    stack.probe.publish(*[OrderStatusChanged(order_id=902, user_id=202, status=s)
                          for s in ("SHIPPED", "DELIVERED")])
    stack.probe.publish(OrderCancelled(order_id=903, user_id=202, reason="insufficient_stock",
                                       previous_status="PENDING",
                                       items=[OrderLine(book_id=1, quantity=1)]))
    stack.sink.wait_for("#902", 2)
    [cancelled] = stack.sink.wait_for("#903")
    time.sleep(0.5)
    subjects = sorted(str(m["Subject"]) for m in stack.sink.messages("#902"))
    assert subjects == ["Your Bookstore order #902: delivered",
                        "Your Bookstore order #902: shipped"]
    assert "insufficient stock" in cancelled.get_body(("plain",)).get_content()


def test_an_order_confirmed_before_the_user_is_known_is_mailed_once_the_user_registers(stack):
    stack.probe.publish(OrderConfirmed(order_id=904, user_id=203, items=[
        OrderLine(book_id=999_999, quantity=1, title="Lost Book")]))
    time.sleep(0.1)  # the event fails (and is retried) while the user is unknown
    stack.probe.publish(UserRegistered(user_id=203, username="cy", email="cy@example.com"))
    [mail] = stack.sink.wait_for("#904", timeout=20)
    assert mail["To"] == "cy@example.com"
    # the catalog has no PDF for this book: the email says so instead of failing forever
    assert attachments(mail) == []
    assert "not available" in mail.get_body(("plain",)).get_content()


def test_an_email_survives_an_smtp_outage_and_arrives_exactly_once(
        infra, upstream, instance_name, make_smtp_sink, start_service):
    upstream.pdfs[502] = PDF * 3
    sink = make_smtp_sink()
    start_service(instance_name, sink.port)
    with EventProbe(infra.rabbitmq_url, instance_name) as probe:
        probe.publish(UserRegistered(user_id=301, username="dee", email="dee@example.com"))
        sink.wait_for("Welcome")
        sink.stop()
        probe.publish(OrderConfirmed(order_id=905, user_id=301, items=[
            OrderLine(book_id=502, quantity=2, title="Outage")]))
        deadline = time.monotonic() + 15
        while not any(r["attempts"] >= 2 for r in email_rows(infra, instance_name)):
            assert time.monotonic() < deadline, email_rows(infra, instance_name)
            time.sleep(0.2)
        assert len(sink.messages("#905")) == 0
        sink.start()
        [mail] = sink.wait_for("#905", timeout=20)
        time.sleep(2.5)  # longer than the capped backoff: no second copy follows
    assert len(sink.messages("#905")) == 1
    assert attachments(mail) == [("Outage.pdf", "application/pdf", PDF * 3)]
    purchase = [r for r in email_rows(infra, instance_name) if r["kind"] == "purchase"]
    assert [r["status"] for r in purchase] == ["sent"]


def test_an_email_that_keeps_failing_is_dead_lettered_visibly_and_can_be_replayed(
        infra, upstream, signing_key, instance_name, make_smtp_sink, start_service):
    sink = make_smtp_sink()
    sink.stop()
    service = start_service(instance_name, sink.port, BOOKSTORE_MAIL_MAX_ATTEMPTS="2")
    admin = {"Authorization": f"Bearer {signing_key.token(1, admin=True)}"}
    with EventProbe(infra.rabbitmq_url, instance_name) as probe:
        probe.publish(UserRegistered(user_id=302, username="eve", email="eve@example.com"))
        deadline = time.monotonic() + 15
        while True:
            dead = httpx.get(f"{service.url}/notify/emails", params={"status": "dead"},
                             headers=admin, timeout=5).json()
            if dead or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert [(d["kind"], d["recipient"], d["attempts"]) for d in dead] == [
        ("welcome", "eve@example.com", 2)]
    assert "Connection refused" in dead[0]["last_error"] or "Errno" in dead[0]["last_error"]
    sink.start()
    replay = httpx.post(f"{service.url}/notify/emails/replay", headers=admin, timeout=5)
    assert replay.json() == {"message": "Dead-lettered emails requeued", "count": 1}
    [mail] = sink.wait_for("Welcome")
    assert mail["To"] == "eve@example.com"
    user = {"Authorization": f"Bearer {signing_key.token(302)}"}
    assert httpx.get(f"{service.url}/notify/emails", headers=user, timeout=5).status_code == 403
