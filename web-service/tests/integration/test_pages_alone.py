"""The web service on its own (no gateway behind it): what it answers before any API call —
forms from elsewhere are refused, unknown pages are HTML 404s, an unreachable API is a page."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from web_service.config import Settings
from web_service.main import create_app

SITE = "http://testserver"


@pytest.fixture(scope="module")
def client():
    # Nothing listens on the gateway port: every API call fails fast.
    settings = Settings(_env_file=None, service_urls={"gateway": "http://127.0.0.1:9"}, web_api_timeout_s=2)
    with TestClient(create_app(settings)) as client:
        yield client


def _token(client) -> str:
    page = client.get("/shop/login")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_the_login_page_is_labelled_and_sets_a_strict_form_token_cookie(client):
    page = client.get("/shop/login")
    assert '<label for="login">Email or username</label>' in page.text
    assert '<label for="password">Password</label>' in page.text
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("bookstore_csrf=") and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_a_form_posted_from_another_origin_is_refused(client):
    token = _token(client)
    refused = client.post("/shop/login", data={"csrf_token": token, "login": "a", "password": "b"},
                          headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and "Form expired" in refused.text
    assert refused.headers["content-type"].startswith("text/html")


def test_a_form_without_its_token_is_refused(client):
    _token(client)
    refused = client.post("/shop/login", data={"csrf_token": "guessed", "login": "a",
                                               "password": "b"}, headers={"Origin": SITE})
    assert refused.status_code == 403 and "Form expired" in refused.text


def test_a_form_with_its_token_and_origin_reaches_the_api(client):
    token = _token(client)
    answer = client.post("/shop/login", data={"csrf_token": token, "login": "a",
                                              "password": "b"}, headers={"Origin": SITE})
    assert answer.status_code == 503 and "The store is not reachable" in answer.text


def test_unknown_pages_are_html_404s_and_probes_stay_json(client):
    for path in ("/shop/nowhere", "/console/nowhere/at/all", "/shop/books/not-a-number"):
        page = client.get(path)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "There is nothing here." in page.text
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/elsewhere").json() == {"message": "Not found"}


def test_the_console_sends_a_visitor_without_a_login_to_the_login_page(client):
    answer = client.get("/console/dlq", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/shop/login?next=/console/dlq"


def test_htmx_and_the_stylesheet_are_served_by_the_service(client):
    htmx = client.get("/shop/static/htmx.min.js")
    assert htmx.status_code == 200 and 'version:"2.0.' in htmx.text
    assert client.get("/shop/static/style.css").status_code == 200
