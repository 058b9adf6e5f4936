"""Summaries end to end through the gateway: a PDF upload becomes a summary and a description,
offline (no key) on the session's system, and through the `openai` client on a second system
pointed at a local chat-completions server."""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from ai_service.domain.text import split_sentences
from bookstore_testing.ai import DESCRIPTION, FakeOpenAI, book_pages, make_pdf

from ..conftest import MODES, own_system

MARKERS = ["QXALPHA", "QXBRAVO", "QXCHARLIE", "QXDELTA", "QXECHO", "QXFOXTROT"]
API_KEY = "sk-e2e-dummy-key"
MODEL = "gpt-e2e-model"


def add_book(client: httpx.Client, admin: dict, pdf: bytes, **fields) -> int:
    """Upload a book with its PDF as the admin; returns its id."""
    form = {"title": f"Keepers {uuid.uuid4().hex[:6]}", "author": "A. Writer", "price": "12.50",
            "stock": "5", **fields}
    r = client.post("/books", headers=admin, data=form,
                    files={"pdf": ("keepers.pdf", pdf, "application/pdf")})
    assert r.status_code == 201, r.text
    return r.json()["book_id"]


def wait_for_text(client: httpx.Client, headers: dict, book_id: int, kind: str = "summary", *,
                  timeout: float = 60) -> httpx.Response:
    """Poll GET /books/{id}/<kind> until it is no longer 202 pending."""
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(f"/books/{book_id}/{kind}", headers=headers)
        if r.status_code != 202:
            return r
        assert r.json() == {"status": "pending"}
        assert time.monotonic() < deadline, f"{kind} of book {book_id} still pending"
        time.sleep(0.2)


def test_an_uploaded_pdf_is_summarised_offline_from_every_page(system, admin_headers):
    c = system.client
    pages = book_pages(MARKERS)
    book_id = add_book(c, admin_headers, make_pdf(pages))
    r = wait_for_text(c, admin_headers, book_id)
    assert r.status_code == 200, r.text
    summary = r.json()["summary"]
    assert all(marker in summary for marker in MARKERS), summary
    text = " ".join(" ".join(p.split()) for p in pages)
    assert all(sentence in text for sentence in split_sentences(summary))
    r = wait_for_text(c, admin_headers, book_id, "description")
    description = r.json()["description"]
    assert 0 < len(description) <= 300
    assert all(sentence in text for sentence in split_sentences(description))
    assert c.get(f"/books/{book_id}").json()["description"] == description


def test_a_scanned_pdf_gets_a_clear_no_text_state(system, admin_headers):
    from bookstore_testing.ai import make_scanned_pdf

    book_id = add_book(system.client, admin_headers, make_scanned_pdf())
    r = wait_for_text(system.client, admin_headers, book_id)
    assert r.status_code == 409 and r.json()["status"] == "no_text", r.text


@pytest.fixture(scope="module")
def openai_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=MODES)
def openai_system(request, infra, new_instance, tmp_path_factory, openai_server):
    """A second system, in each mode, whose AI service talks to the local chat-completions
    server."""
    with own_system(infra, new_instance, tmp_path_factory, "openai", mode=request.param,
                    OPENAI_API_KEY=API_KEY, OPENAI_BASE_URL=openai_server.base_url,
                    BOOKSTORE_AI_MODEL=MODEL, BOOKSTORE_AI_CHUNK_TOKENS="300",
                    BOOKSTORE_AI_ANSWER_TOKENS="200", BOOKSTORE_AI_MAX_ATTEMPTS="3",
                    BOOKSTORE_AI_BACKOFF_S="0.05") as running:
        c = running.client
        name = "admin" + uuid.uuid4().hex[:8]
        body = {"username": name, "email": f"{name}@example.com", "password": "admin pw 12"}
        assert c.post("/create_admin", json=body).status_code == 201
        r = c.post("/login", json={"email": body["email"], "password": body["password"]})
        yield c, {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_a_long_pdf_is_summarised_through_the_openai_api_from_every_page(
        openai_system, openai_server):
    c, admin = openai_system
    openai_server.requests.clear()
    openai_server.answers.clear()
    openai_server.fail_next(429, headers={"Retry-After": "0.1"})
    book_id = add_book(c, admin, make_pdf(book_pages(MARKERS)))
    r = wait_for_text(c, admin, book_id)
    assert r.status_code == 200, r.text
    parts = [p for p in openai_server.user_prompts() if p.startswith("The following is part")]
    assert len(parts) >= 3
    for marker in MARKERS:
        assert any(marker in p for p in parts), f"the {marker} page never reached the model"
    assert r.json() == {"summary": openai_server.answers[-2]}
    assert all(marker in r.json()["summary"] for marker in MARKERS)
    assert len(openai_server.requests) == len(openai_server.answers) + 1, "429 retried once"
    assert {q["model"] for q in openai_server.requests} == {MODEL}
    assert wait_for_text(c, admin, book_id, "description").json() == {"description": DESCRIPTION}


def test_a_failed_summary_is_reported_and_an_admin_retry_regenerates_it(
        openai_system, openai_server):
    c, admin = openai_system
    openai_server.fail_next(400)
    book_id = add_book(c, admin, make_pdf(book_pages(MARKERS[:2], sentences_per_page=5)))
    r = wait_for_text(c, admin, book_id)
    assert r.status_code == 503 and r.json()["status"] == "failed", r.text
    assert "HTTP 400" in r.json()["error"] and API_KEY not in r.text

    r = c.post(f"/books/{book_id}/summary", headers=admin)
    assert (r.status_code, r.json()) == (202, {"status": "pending"})
    r = wait_for_text(c, admin, book_id)
    assert r.status_code == 200, r.text
    assert "QXALPHA" in r.json()["summary"] and "QXBRAVO" in r.json()["summary"]
