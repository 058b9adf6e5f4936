"""Reading the server's Retry-After hint."""
from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime
from types import SimpleNamespace

from ai_service.adapters.openai_chat import retry_after_s
from bookstore_shared.events import utcnow


def _exc(**headers):
    return SimpleNamespace(response=SimpleNamespace(headers=headers))


def test_retry_after_in_seconds_milliseconds_or_as_a_date_is_understood():
    assert retry_after_s(_exc(**{"retry-after": "2"})) == 2.0
    assert retry_after_s(_exc(**{"retry-after-ms": "250", "retry-after": "9"})) == 0.25
    later = format_datetime(utcnow() + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after_s(_exc(**{"retry-after": later})) <= 31


def test_no_or_unreadable_retry_after_means_our_own_backoff():
    assert retry_after_s(_exc()) is None
    assert retry_after_s(_exc(**{"retry-after": "soon"})) is None
    assert retry_after_s(SimpleNamespace()) is None
    assert retry_after_s(None) is None
