"""An expired login is renewed with the refresh token (once per request), and a refused refresh
logs the visitor out: checked against a stand-in gateway that answers like the real one."""
from __future__ import annotations

import pytest
from bookstore_testing import served
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from web_service.config import Settings
from web_service.main import create_app

ME = {"id": 7, "username": "ann", "email": "ann@example.com", "is_admin": False,
      "created_at": "2026-01-01T00:00:00Z"}


def stand_in_gateway() -> FastAPI:
    app = FastAPI()
    app.state.refreshes = []

    def bearer(request: Request) -> str:
        return request.headers.get("authorization", "").removeprefix("Bearer ")

    @app.get("/users/me")
    async def me(request: Request):
        if bearer(request) != "fresh-access":
            return JSONResponse({"message": "Invalid or expired token"}, status_code=401)
        return ME

    @app.get("/orders")
    async def orders(request: Request, response: Response):
        response.headers["X-Total-Count"] = "0"
        return [] if bearer(request) == "fresh-access" else JSONResponse({}, status_code=401)

    @app.post("/token/refresh")
    async def refresh(request: Request):
        token = (await request.json())["refresh_token"]
        app.state.refreshes.append(token)
        if token != "good-refresh":
            return JSONResponse({"message": "Invalid or expired token"}, status_code=401)
        answer = JSONResponse({"message": "Token refreshed successfully",
                               "access_token": "fresh-access", "token_type": "bearer",
                               "refresh_token": "next-refresh"})
        answer.set_cookie("access_token", "fresh-access", httponly=True, samesite="lax")
        return answer

    return app


@pytest.fixture(scope="module")
def gateway():
    app = stand_in_gateway()
    with served(app) as url:
        yield app, url


@pytest.fixture
def client(gateway):
    _, url = gateway
    with TestClient(create_app(Settings(_env_file=None, service_urls={"gateway": url}))) as client:
        yield client


def test_an_expired_login_is_renewed_and_the_page_shows_the_shopper(client, gateway):
    app, _ = gateway
    client.cookies.update({"access_token": "stale-access", "bookstore_refresh": "good-refresh"})
    page = client.get("/shop/orders")
    assert page.status_code == 200 and "Signed in as <strong>ann</strong>" in page.text
    cookies = page.headers.get_list("set-cookie")
    assert any(c.startswith("access_token=fresh-access") for c in cookies)
    assert any(c.startswith("bookstore_refresh=next-refresh") and "HttpOnly" in c
               for c in cookies)
    assert app.state.refreshes[-1] == "good-refresh"


def test_a_refused_refresh_logs_the_visitor_out_and_asks_for_a_login(client):
    client.cookies.update({"access_token": "stale-access", "bookstore_refresh": "spent"})
    answer = client.get("/shop/orders", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/shop/login")
    cleared = answer.headers.get_list("set-cookie")
    assert any(c.startswith("access_token=;") and "Max-Age=0" in c for c in cleared)
    assert any(c.startswith("bookstore_refresh=;") and "Max-Age=0" in c for c in cleared)
    page = client.get("/shop/")
    assert "Log in" in page.text and "Signed in" not in page.text
