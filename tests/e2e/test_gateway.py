"""The gateway in front of the real services: ids, JSON 404s, merged OpenAPI, the `/api` prefix."""
from __future__ import annotations

import time
import uuid


def _login_fresh_user(client) -> dict[str, str]:
    name = "gw" + uuid.uuid4().hex[:10]
    body = {"username": name, "email": f"{name}@example.com", "password": "correct horse battery"}
    assert client.post("/register", json=body).status_code == 201
    r = client.post("/login", json={"email": body["email"], "password": body["password"]})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_the_request_id_is_echoed_on_proxied_and_own_responses(system):
    r = system.client.post("/login", json={"email": "nobody@example.com", "password": "x"},
                           headers={"X-Request-ID": "e2e-req-1"})
    assert r.status_code == 401 and r.json()["message"] == "Invalid username or password"
    assert r.headers.get_list("x-request-id") == ["e2e-req-1"]
    assert system.client.get("/nowhere").headers["x-request-id"]


def test_an_unknown_route_is_a_json_404(system):
    r = system.client.get("/no/such/route")
    assert r.status_code == 404 and r.json() == {"message": "Not found"}
    r = system.client.get("/internal/revoked-sessions")
    assert r.status_code == 404 and r.json() == {"message": "Not found"}


def test_the_merged_openapi_document_has_the_auth_endpoints(system):
    document = system.client.get("/openapi.json").json()
    assert {"/login", "/register", "/users/me"} <= set(document["paths"])
    assert "post" in document["paths"]["/register"]
    assert not any(p.startswith("/internal") for p in document["paths"])
    assert "text/html" in system.client.get("/docs").headers["content-type"]


def test_register_under_api_works_like_register(system):
    name = "g" + uuid.uuid4().hex[:8]
    body = {"username": name, "email": f"{name}@example.com", "password": "correct horse battery"}
    r = system.client.post("/api/register", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["message"] == "User registered successfully"
    assert isinstance(r.json()["user_id"], int)
    again = system.client.post("/register", json=body)
    assert again.status_code == 400 and again.json()["message"] == "Error registering user"


def test_after_logout_the_gateway_refuses_the_token_even_on_public_routes(system):
    auth = _login_fresh_user(system.client)
    assert system.client.get("/books", headers=auth).status_code == 200
    assert system.client.get("/logout", headers=auth).status_code == 200
    # The catalog does not look at tokens for GET /books: a 401 there comes from the gateway's
    # denylist, fed by auth.session_revoked over RabbitMQ (allow the event a moment to arrive).
    deadline = time.monotonic() + 10
    while (r := system.client.get("/books", headers=auth)).status_code != 401:
        assert time.monotonic() < deadline, r.text
        time.sleep(0.05)
    assert r.json() == {"message": "Invalid or expired token", "error": "session revoked"}
    for path in ("/orders", "/api/users/me"):
        r = system.client.get(path, headers=auth)
        assert r.status_code == 401 and r.json()["error"] == "session revoked", (path, r.text)
    assert system.client.get("/books").status_code == 200
