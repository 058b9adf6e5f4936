"""The SMTP transport against a real SMTP server (aiosmtpd)."""
from __future__ import annotations

import ssl

import pytest
from notification_service.adapters.mail import SmtpTransport
from notification_service.domain.emails import build_message


def test_plain_smtp_sends_without_ever_building_a_tls_context(make_smtp_sink, monkeypatch):
    sink = make_smtp_sink()

    def no_tls(*_args, **_kwargs):
        raise AssertionError("a TLS context was built for a plain SMTP session")

    monkeypatch.setattr(ssl, "create_default_context", no_tls)
    transport = SmtpTransport(host="127.0.0.1", port=sink.port, security="none")
    for n in (1, 2):
        transport.send(build_message(sender="Bookstore <no-reply@bookstore.local>",
                                     recipient="ann@example.com", subject=f"Order #{n}",
                                     body="Thanks\n", message_id=f"<e{n}@bookstore.local>"))
    assert [m["Subject"] for m in sink.wait_for("Order #", count=2)] == ["Order #1", "Order #2"]


def test_a_starttls_session_against_a_server_without_tls_fails_loudly(make_smtp_sink):
    sink = make_smtp_sink()
    transport = SmtpTransport(host="127.0.0.1", port=sink.port, security="starttls")
    with pytest.raises(Exception, match="(?i)starttls"):
        transport.send(build_message(sender="b@bookstore.local", recipient="ann@example.com",
                                     subject="x", body="x\n", message_id="<x@bookstore.local>"))
    assert sink.messages() == []


def _message(n: int):
    return build_message(sender="b@bookstore.local", recipient="ann@example.com",
                         subject=f"Burst #{n}", body="x\n", message_id=f"<b{n}@bookstore.local>")


def test_a_burst_shares_one_session_and_a_session_the_server_dropped_is_replaced(
        make_smtp_sink):
    sink = make_smtp_sink()
    transport = SmtpTransport(host="127.0.0.1", port=sink.port, security="none")
    for n in (1, 2, 3):
        transport.send(_message(n))
    sink.wait_for("Burst #", count=3)
    assert sink.sessions == 1

    sink.stop()  # the server goes away under the open session, and comes back
    sink.start()
    transport.send(_message(4))
    transport.close()

    assert [m["Subject"] for m in sink.wait_for("Burst #", count=4)] == [
        f"Burst #{n}" for n in (1, 2, 3, 4)]
    assert sink.sessions == 2
