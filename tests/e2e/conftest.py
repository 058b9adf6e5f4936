"""System-test helpers shared by e2e modules: both modes, the first admin and fresh users."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from ..conftest import MODES, first_admin, register_and_login

SERVICES_ONLY = "services_mode"


def pytest_generate_tests(metafunc):
    """Every system test runs in both modes, except one whose name says it needs services mode
    (a real broker, a second process, one service killed)."""
    if "system" in metafunc.fixturenames:
        modes = ["services"] if SERVICES_ONLY in metafunc.function.__name__ else list(MODES)
        metafunc.parametrize("system", modes, indirect=True, scope="session")


@pytest.fixture(scope="session")
def admin_headers(system) -> dict[str, str]:
    """The system's first admin (use this instead of /create_admin)."""
    return first_admin(system)


@pytest.fixture
def new_user(system) -> Callable[[], dict[str, str]]:
    """Make a fresh (non-admin) user; returns its Authorization header."""
    return lambda: register_and_login(system.url)
