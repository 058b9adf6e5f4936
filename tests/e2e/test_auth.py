"""The auth slice through the gateway: register, login, profile, logout, refresh, admins."""
from __future__ import annotations

import time
import uuid

import httpx
import pytest

PASSWORD = "correct horse battery"


def _register(client, prefix: str = "") -> dict:
    name = "e" + uuid.uuid4().hex[:10]
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    r = client.post(f"{prefix}/register", json=body)
    assert r.status_code == 201, r.text
    assert r.json() == {"message": "User registered successfully", "user_id": r.json()["user_id"]}
    return {**body, "user_id": r.json()["user_id"]}


def _login(client, user: dict, prefix: str = "", by: str = "email") -> dict:
    r = client.post(f"{prefix}/login", json={by: user[by], "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.cookies.clear()
    body = r.json()
    assert body["message"] == "Logged in successfully" and body["token_type"] == "bearer"
    return body


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("prefix", ["", "/api"])
def test_register_login_me_logout_then_the_same_token_is_refused(system, prefix):
    client = system.client
    user = _register(client, prefix)
    tokens = _login(client, user, prefix, by="username")
    me = client.get(f"{prefix}/users/me", headers=_bearer(tokens["access_token"]))
    assert me.status_code == 200, me.text
    assert {k: me.json()[k] for k in ("id", "username", "email", "is_admin")} == {
        "id": user["user_id"], "username": user["username"], "email": user["email"],
        "is_admin": False}
    out = client.get(f"{prefix}/logout", headers=_bearer(tokens["access_token"]))
    assert (out.status_code, out.json()) == (200, {"message": "Logged out successfully"})
    again = client.get(f"{prefix}/users/me", headers=_bearer(tokens["access_token"]))
    assert again.status_code == 401 and again.json()["message"] == "Invalid or expired token"
    refresh = client.post(f"{prefix}/token/refresh",
                          json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401, refresh.text


def test_a_logged_out_token_is_refused_by_the_gateway_for_other_services_too(system):
    client = system.client
    tokens = _login(client, _register(client))
    assert client.get("/logout", headers=_bearer(tokens["access_token"])).status_code == 200
    # auth.session_revoked travels outbox -> RabbitMQ -> the gateway's denylist.
    deadline = time.monotonic() + 10
    while True:
        r = client.get("/books", headers=_bearer(tokens["access_token"]))
        if r.status_code == 401 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert (r.status_code, r.json()) == (401, {"message": "Invalid or expired token",
                                               "error": "session revoked"})


def test_login_sets_a_cookie_that_works_through_the_gateway(system):
    user = _register(system.client)
    # A browser-like client of its own: it keeps the cookie (the shared client keeps none).
    with httpx.Client(base_url=system.url, timeout=10) as browser:
        r = browser.post("/login", json={"email": user["email"], "password": PASSWORD})
        assert r.status_code == 200
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        me = browser.get("/users/me")
        assert me.status_code == 200 and me.json()["username"] == user["username"]


def test_wrong_credentials_are_401_with_the_seed_message(system):
    r = system.client.post("/login", json={"email": "nobody@example.com", "password": PASSWORD})
    assert (r.status_code, r.json()) == (401, {"message": "Invalid username or password"})


def test_refresh_rotates_through_the_gateway(system):
    client = system.client
    first = _login(client, _register(client))
    r = client.post("/api/token/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    client.cookies.clear()
    second = r.json()
    assert client.get("/users/me", headers=_bearer(second["access_token"])).status_code == 200
    reuse = client.post("/token/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    assert client.get("/users/me", headers=_bearer(second["access_token"])).status_code == 401


def test_after_the_first_admin_an_anonymous_create_admin_is_refused(system, admin_headers):
    # `admin_headers` created the session's first admin (201) and logged it in.
    client = system.client
    client.cookies.clear()  # that login left the admin's cookie in the shared client
    name = "x" + uuid.uuid4().hex[:8]
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    r = client.post("/create_admin", json=body)
    assert (r.status_code, r.json()) == (400, {"message": "Admin account already exists"})
    user = _login(client, _register(client))
    r = client.post("/create_admin", json=body, headers=_bearer(user["access_token"]))
    assert (r.status_code, r.json()) == (400, {"message": "Admin account already exists"})
    r = client.post("/api/create_admin", json=body, headers=admin_headers)
    assert r.status_code == 201, r.text
    assert r.json() == {"message": "Admin account created successfully",
                        "user_id": r.json()["user_id"]}


def test_the_gateway_does_not_expose_auths_internal_routes(system):
    r = system.client.get("/internal/revoked-sessions")
    assert r.status_code == 404
