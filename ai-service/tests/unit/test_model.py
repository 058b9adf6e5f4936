"""When a PDF needs a summary, and what counts as text."""
from __future__ import annotations

from ai_service.domain.model import has_text, needs_summary


def test_a_new_pdf_key_needs_a_summary():
    assert needs_summary(pdf_key="k1", pdf_changed=False, already_seen=False)


def test_a_pdf_already_seen_needs_none_unless_it_changed():
    assert not needs_summary(pdf_key="k1", pdf_changed=False, already_seen=True)
    assert needs_summary(pdf_key="k1", pdf_changed=True, already_seen=True)


def test_a_book_without_pdf_needs_no_summary():
    assert not needs_summary(pdf_key=None, pdf_changed=True, already_seen=False)


def test_pages_with_only_stray_marks_have_no_text():
    assert not has_text(["", " . ", "\n", "1 2"])
    assert has_text(["", "A real sentence with words."])
