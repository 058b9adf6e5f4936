"""The soak's SMTP sink in a process of its own keeps what it accepts, like the in-process one."""
from __future__ import annotations

import smtplib

from bookstore_testing.mail import SmtpSinkProcess, Subjects


def test_messages_accepted_in_the_sinks_process_reach_the_harness_in_order():
    sink = SmtpSinkProcess()
    try:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as client:
            for n, message_id in enumerate(["<a@t>", "<b@t>", "<a@t>"]):
                client.sendmail("b@bookstore.local", ["ann@example.com"],
                                f"Subject: Order #{n % 2}\r\nMessage-ID: {message_id}\r\n\r\nhi\r\n")
        found = sink.wait_for("Order #1")
        assert [str(m["Message-ID"]) for m in found] == ["<b@t>"]
    finally:
        sink.stop()
    assert len(sink.raw) == 3
    subjects = Subjects(sink)
    assert subjects() == {"Order #0": 1, "Order #1": 1}
    assert subjects.resent == ["Order #0"]  # the same Message-ID twice: one email, sent again
