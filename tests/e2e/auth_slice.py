"""The foundation's vertical slice, as a user walks it through the gateway."""
from __future__ import annotations

import uuid

import httpx


def walk_the_auth_slice(client: httpx.Client) -> None:
    """register → login → /users/me → logout → same token 401; first admin 201, second 400."""
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
