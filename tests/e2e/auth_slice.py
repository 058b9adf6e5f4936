"""The foundation's vertical slice, as a user walks it through the gateway."""
from __future__ import annotations

import uuid

import httpx
import orjson
from websockets.sync.client import connect


def walk_the_auth_slice(client: httpx.Client) -> dict[str, str]:
    """register → login → /users/me → logout → same token 401; first admin 201, second 400.

    Returns the first admin's login body."""
    name = "u" + uuid.uuid4().hex[:8]
    r = client.post("/register", json={"username": name, "email": f"{name}@example.com",
                                       "password": "correct horse battery"})
    assert r.status_code == 201, r.text
    assert r.json()["message"] == "User registered successfully"
    user_id = r.json()["user_id"]

    r = client.post("/login", json={"email": f"{name}@example.com",
                                    "password": "correct horse battery"})
    assert r.status_code == 200, r.text
    assert r.json()["message"] == "Logged in successfully"
    token = r.json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}

    r = client.get("/users/me", headers=auth)
    assert r.status_code == 200, r.text
    me = r.json()
    assert (me["id"], me["username"], me["email"], me["is_admin"]) == \
        (user_id, name, f"{name}@example.com", False)

    r = client.get("/logout", headers=auth)
    assert r.status_code == 200 and r.json() == {"message": "Logged out successfully"}
    r = client.get("/users/me", headers=auth)
    assert r.status_code == 401, r.text
    assert "message" in r.json()

    admin = "a" + uuid.uuid4().hex[:8]
    body = {"username": admin, "email": f"{admin}@example.com", "password": "admin password 1"}
    r = client.post("/create_admin", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["message"] == "Admin account created successfully"
    other = {**body, "username": admin + "x", "email": f"{admin}x@example.com"}
    r = client.post("/create_admin", json=other)
    assert r.status_code == 400 and r.json() == {"message": "Admin account already exists"}
    return {"email": body["email"], "password": body["password"]}


def walk_the_first_socket(client: httpx.Client, admin: dict[str, str]) -> None:
    """A fresh system's first WebSocket and first admin call succeed at once: the services that
    verify tokens have never seen the signing keys yet (they once refused valid tokens for ~5 s
    in standalone mode)."""
    name = "w" + uuid.uuid4().hex[:8]
    user = {"email": f"{name}@example.com", "password": "correct horse battery"}
    assert client.post("/register", json={"username": name, **user}).status_code == 201
    user_token = _token(client, user)
    admin_auth = {"Authorization": f"Bearer {_token(client, admin)}"}
    ws_url = str(client.base_url).replace("http://", "ws://", 1) + f"/ws?token={user_token}"
    with connect(ws_url, open_timeout=10) as ws:
        r = client.post("/notify", json={"message": "welcome, first socket"}, headers=admin_auth)
        assert (r.status_code, r.json()) == (200, {"message": "Notification sent"})
        assert orjson.loads(ws.recv(timeout=5)) == {"type": "global",
                                                     "message": "welcome, first socket"}


def _token(client: httpx.Client, body: dict[str, str]) -> str:
    r = client.post("/login", json=body)
    assert r.status_code == 200, r.text
    client.cookies.clear()  # the client must not stay logged in
    return r.json()["access_token"]
