"""Email content, attachment names and MIME structure."""
from __future__ import annotations

from email import message_from_bytes, policy
from email.policy import compat32

import pytest
from notification_service.domain import emails
from notification_service.service_layer.mail_sender import backoff_schedule


@pytest.mark.parametrize("title, expected", [
    ("Dune", "Dune.pdf"),
    ("Les Misérables", "Les Miserables.pdf"),
    ("../../etc/passwd", "etc passwd.pdf"),
    ("A/B\\C: \"D\"?", "A B C D.pdf"),
    ("report.pdf", "report.pdf"),
    ("The Lighthouse: Keeper's Log", "The Lighthouse Keeper's Log.pdf"),
    ("", "book.pdf"),
    ("日本語", "book.pdf"),
    (None, "book.pdf"),
])
def test_attachment_names_are_safe_readable_pdf_filenames(title, expected):
    assert emails.attachment_filename(title) == expected


def test_a_very_long_title_is_shortened():
    name = emails.attachment_filename("word " * 100)
    assert name.endswith(".pdf") and len(name) <= emails.MAX_FILENAME_STEM + 4


def test_two_books_with_the_same_title_get_distinct_filenames():
    used: set[str] = set()
    assert [emails.unique_filename("Dune.pdf", used) for _ in range(3)] == [
        "Dune.pdf", "Dune (2).pdf", "Dune (3).pdf"]


def test_the_purchase_email_carries_the_pdf_as_an_application_pdf_attachment():
    pdf = b"%PDF-1.4\n\x00\xff binary \r\n body\n%%EOF\n"
    msg = emails.build_message(sender="Bookstore <no-reply@bookstore.local>",
                               recipient="ann@example.com", subject="Your order",
                               body="Thanks", message_id="<e1.purchase@bookstore.local>",
                               attachments=[("Dune.pdf", pdf)])
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == "<e1.purchase@bookstore.local>"
    assert parsed["To"] == "ann@example.com"
    parts = list(parsed.iter_attachments())
    assert len(parts) == 1
    assert parts[0].get_content_type() == "application/pdf"
    assert parts[0].get_filename() == "Dune.pdf"
    assert parts[0].get_payload(decode=True) == pdf
    assert "Thanks" in parsed.get_body(("plain",)).get_content()


def test_status_emails_exist_only_for_shipped_delivered_and_cancelled():
    sent = {s: emails.status_change(username="ann", order_id=3, status=s)
            for s in ("PENDING", "PROCESSING", "SHIPPED", "DELIVERED", "CANCELLED")}
    assert sent["PENDING"] is None and sent["PROCESSING"] is None
    assert "shipped" in sent["SHIPPED"].body and sent["SHIPPED"].kind == "status_shipped"
    assert "delivered" in sent["DELIVERED"].body
    cancelled = emails.status_change(username="ann", order_id=3, status="CANCELLED",
                                     reason="insufficient_stock")
    assert "insufficient stock" in cancelled.body


def test_the_purchase_email_lists_the_books_and_keeps_them_for_the_attachments():
    content = emails.purchase(username="ann", order_id=5,
                              books=[emails.BookRef(1, "Dune"), emails.BookRef(2)])
    assert "Dune" in content.body and "Book #2" in content.body and "#5" in content.subject
    assert content.books == (emails.BookRef(1, "Dune"), emails.BookRef(2))


def test_the_message_id_is_stable_per_event_and_kind():
    assert emails.message_id_for("abc", "purchase") == emails.message_id_for("abc", "purchase")
    assert emails.message_id_for("abc", "purchase") != emails.message_id_for("abc", "welcome")


def test_email_retries_back_off_exponentially_up_to_the_cap():
    delay = backoff_schedule(base_s=1, max_s=10)
    assert [delay(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_non_ascii_subject_and_body_arrive_intact():
    msg = emails.build_message(sender="Bookstore <no-reply@bookstore.local>",
                               recipient="zoe@example.com", subject="Dune – Part Two",
                               body="Hello Zoë,\nthanks!\n", message_id="<e2.purchase@b.local>",
                               attachments=[("Dune.pdf", b"%PDF-1.4\n%%EOF\n")])
    raw = msg.as_bytes()
    assert raw.isascii()  # encoded for any SMTP server (no SMTPUTF8 needed)
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == "Dune – Part Two"
    assert parsed.get_body(("plain",)).get_content() == "Hello Zoë,\nthanks!\n"


@pytest.mark.parametrize("subject", ["Your order", "Dune – Part Two", "x" * 69,
                                     "a long subject with many words " * 4])
@pytest.mark.parametrize("filename", ["Dune.pdf", "A" * 100 + ".pdf"])
def test_messages_are_written_as_compat32_writes_them(subject, filename):
    """The shortcut for short ASCII headers changes no byte: each message comes out as the
    standard compat32 policy would write it (long and non-ASCII headers still folded)."""
    msg = emails.build_message(sender="Bookstore <no-reply@bookstore.local>",
                               recipient="Zoë <zoe@example.com>", subject=subject,
                               body="Hello Zoë\n", message_id="<e3.purchase@b.local>",
                               attachments=[(filename, b"%PDF-1.4\n%%EOF\n")])
    raw = msg.as_bytes()
    assert raw == msg.as_bytes(policy=compat32)
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject
    assert [p.get_filename() for p in parsed.iter_attachments()] == [filename]


def test_each_multipart_message_has_a_boundary_of_its_own():
    def boundary() -> str:
        return emails.build_message(sender="b@b.local", recipient="ann@example.com",
                                    subject="s", body="b", message_id="<m@b>",
                                    attachments=[("Dune.pdf", b"%PDF")]).get_boundary()
    first, second = boundary(), boundary()
    assert first != second and first.startswith("=_")
