"""System-test helpers shared by e2e modules: both modes, the first admin and fresh users."""
from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from ..conftest import MODES, login, register_and_login

SERVICES_ONLY = "services_mode"


def pytest_generate_tests(metafunc):
    """Every system test runs in both modes, except one whose name says it needs services mode
    (a real broker, a second process, one service killed)."""
    if "system" in metafunc.fixturenames:
        modes = ["services"] if SERVICES_ONLY in metafunc.function.__name__ else list(MODES)
        metafunc.parametrize("system", modes, indirect=True, scope="session")


@pytest.fixture(scope="session")
def admin_headers(system) -> dict[str, str]:
    """The system's first admin (created once per session; use this instead of /create_admin)."""
    name = "admin" + uuid.uuid4().hex[:8]
    email, password = f"{name}@example.com", "admin password 1"
    with httpx.Client(base_url=system.url, timeout=10) as client:
        r = client.post("/create_admin",
                        json={"username": name, "email": email, "password": password})
    assert r.status_code == 201, f"first admin already taken in this session: {r.text}"
    return login(system.url, email, password)


@pytest.fixture
def new_user(system) -> Callable[[], dict[str, str]]:
    """Make a fresh (non-admin) user; returns its Authorization header."""
    return lambda: register_and_login(system.url)
