"""Summaries through the real `openai` client pointed at a local chat-completions server."""
from __future__ import annotations

import pytest
from ai_service.domain.text import estimate_tokens
from bookstore_testing.ai import DESCRIPTION, book_pages, make_pdf

pytestmark = pytest.mark.integration

MARKERS = ["QXALPHA", "QXBRAVO", "QXCHARLIE", "QXDELTA", "QXECHO", "QXFOXTROT"]
API_KEY = "sk-test-dummy-key-123"


@pytest.fixture
def long_book(catalog) -> int:
    pages = book_pages(MARKERS)
    assert estimate_tokens("\n\n".join(pages)) > 3 * 300, "the book must span several chunks"
    catalog.pdfs[1] = make_pdf(pages)
    return 1


def test_a_long_book_reaches_the_model_from_every_page_and_its_answer_is_published(
        make_settings, probe_for, ev, openai_server, long_book):
    settings = make_settings()
    probe = probe_for(settings)
    with ev.RunningAi(settings):
        probe.publish(ev.book_created(long_book, "pdf-1"))
        [event] = probe.wait_for("book.summarized", timeout=30)
    result = event.payload()
    parts = [p for p in openai_server.user_prompts() if p.startswith("The following is part")]
    assert len(parts) >= 3
    for marker in MARKERS:
        assert any(marker in p for p in parts), f"no text of the {marker} page reached the model"
    assert all(estimate_tokens(p) <= 300 + 150 for p in parts)
    assert {r["model"] for r in openai_server.requests} == {"gpt-test-model"}
    assert {h["Authorization"] for h in openai_server.headers} == {f"Bearer {API_KEY}"}
    final_summary = openai_server.answers[-2]  # the last answer before the description's
    assert (result.book_id, result.pdf_key, result.status) == (long_book, "pdf-1", "ready")
    assert result.summary == final_summary
    assert all(marker in result.summary for marker in MARKERS)
    assert result.description == DESCRIPTION
    assert (result.provider, result.model, result.error) == ("openai", "gpt-test-model", None)


def test_a_rate_limited_request_is_retried_after_the_servers_retry_after(
        make_settings, probe_for, ev, openai_server, long_book):
    settings = make_settings()
    probe = probe_for(settings)
    openai_server.fail_next(429, headers={"Retry-After": "0.2"})
    with ev.RunningAi(settings):
        probe.publish(ev.book_created(long_book, "pdf-1"))
        [event] = probe.wait_for("book.summarized", timeout=30)
    result = event.payload()
    assert result.status == "ready"
    assert all(marker in result.summary for marker in MARKERS)
    first, second = openai_server.requests[0], openai_server.requests[1]
    assert first == second, "the rate-limited request is sent again, unchanged"
    assert len(openai_server.requests) == len(openai_server.answers) + 1


def test_a_permanent_failure_is_published_and_a_retry_with_the_same_pdf_succeeds(
        make_settings, probe_for, ev, openai_server, long_book):
    settings = make_settings()
    probe = probe_for(settings)
    openai_server.fail_next(400)
    with ev.RunningAi(settings):
        probe.publish(ev.book_created(long_book, "pdf-1"))
        [failed] = probe.wait_for("book.summarized", timeout=30)
        assert len(openai_server.requests) == 1, "a 400 is not retried"
        failure = failed.payload()
        assert (failure.status, failure.summary, failure.provider) == ("failed", None, "openai")
        assert "HTTP 400" in failure.error
        assert API_KEY not in failure.error and "Traceback" not in failure.error

        probe.publish(ev.book_updated(long_book, "pdf-1", changed=True))  # the admin's retry
        events = probe.wait_for("book.summarized", 2, timeout=30)
    retried = events[1].payload()
    assert (retried.status, retried.pdf_key, retried.error) == ("ready", "pdf-1", None)
    assert all(marker in retried.summary for marker in MARKERS)


def test_server_errors_are_retried_a_bounded_number_of_times_then_reported(
        make_settings, probe_for, ev, openai_server, long_book):
    settings = make_settings(ai_max_attempts=3)
    probe = probe_for(settings)
    openai_server.fail_next(500, times=3)
    with ev.RunningAi(settings):
        probe.publish(ev.book_created(long_book, "pdf-1"))
        [event] = probe.wait_for("book.summarized", timeout=30)
    result = event.payload()
    assert result.status == "failed"
    assert result.error == "the OpenAI request failed with HTTP 500 after 3 attempts"
    assert len(openai_server.requests) == 3


def test_an_unreachable_api_fails_with_a_short_error(make_settings, probe_for, ev, long_book):
    settings = make_settings(openai_base_url="http://127.0.0.1:9/v1", ai_max_attempts=2)
    probe = probe_for(settings)
    with ev.RunningAi(settings):
        probe.publish(ev.book_created(long_book, "pdf-1"))
        [event] = probe.wait_for("book.summarized", timeout=30)
    result = event.payload()
    assert result.status == "failed"
    assert result.error == "the OpenAI API could not be reached after 2 attempts"
