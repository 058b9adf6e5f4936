"""System-test helpers shared by e2e modules: the session's first admin and fresh users."""
from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest


def _login(url: str, email: str, password: str) -> dict[str, str]:
    # A client of its own: the login cookie must not make the shared client authenticated.
    with httpx.Client(base_url=url, timeout=10) as client:
        r = client.post("/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def register_and_login(url: str, *, prefix: str = "u") -> dict[str, str]:
    """A fresh user through the gateway; returns its Authorization header."""
    name = prefix + uuid.uuid4().hex[:10]
    email, password = f"{name}@example.com", "correct horse battery"
    with httpx.Client(base_url=url, timeout=10) as client:
        r = client.post("/register", json={"username": name, "email": email,
                                           "password": password})
    assert r.status_code == 201, r.text
    return _login(url, email, password)


@pytest.fixture(scope="session")
def admin_headers(system) -> dict[str, str]:
    """The system's first admin (created once per session; use this instead of /create_admin)."""
    name = "admin" + uuid.uuid4().hex[:8]
    email, password = f"{name}@example.com", "admin password 1"
    with httpx.Client(base_url=system.url, timeout=10) as client:
        r = client.post("/create_admin",
                        json={"username": name, "email": email, "password": password})
    assert r.status_code == 201, f"first admin already taken in this session: {r.text}"
    return _login(system.url, email, password)


@pytest.fixture
def new_user(system) -> Callable[[], dict[str, str]]:
    """Make a fresh (non-admin) user; returns its Authorization header."""
    return lambda: register_and_login(system.url)
