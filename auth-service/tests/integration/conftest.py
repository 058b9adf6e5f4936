"""Auth apps on the real MySQL (each with its own fresh instance) and helpers to drive them."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from auth_service.config import Settings
from auth_service.main import create_app
from bookstore_shared.bus import InProcessBus
from bookstore_shared.db import database_url
from bookstore_testing import served
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

PASSWORD = "correct-horse-battery"


def make_settings(infra, instance: str, **overrides) -> Settings:
    """Settings for an auth service on the real MySQL (no broker unless given); overrides are
    named by their environment variables (BOOKSTORE_<FIELD>), the interface operators use."""
    values = {"BOOKSTORE_MYSQL_URL": infra.mysql_url, "BOOKSTORE_INSTANCE": instance,
              "BOOKSTORE_RABBITMQ_URL": None, **overrides}
    return Settings(_env_file=None, **{name.removeprefix("BOOKSTORE_").lower(): value
                                       for name, value in values.items()})


@pytest.fixture
def auth_app(infra, new_instance):
    """Factory: a started auth app (TestClient) on a fresh database, with optional overrides."""
    stack = []

    def make(bus=None, instance: str | None = None, **overrides) -> TestClient:
        settings = make_settings(infra, instance or new_instance(), **overrides)
        client = TestClient(create_app(settings, bus=bus or InProcessBus()))
        client.__enter__()
        stack.append(client)
        return client

    yield make
    for client in reversed(stack):
        client.__exit__(None, None, None)


@pytest.fixture(scope="module")
def client(infra, new_instance) -> Iterator[TestClient]:
    """One auth app shared by a module's tests (they use unique usernames)."""
    settings = make_settings(infra, new_instance())
    with TestClient(create_app(settings, bus=InProcessBus())) as c:
        yield c


def unique_name(prefix: str = "u") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def register(client, username: str | None = None, *, password: str = PASSWORD,
             prefix: str = "") -> dict:
    """Register a fresh user; returns its credentials and id."""
    username = username or unique_name()
    body = {"username": username, "email": f"{username}@example.com", "password": password}
    response = client.post(f"{prefix}/register", json=body)
    assert response.status_code == 201, response.text
    return {**body, "user_id": response.json()["user_id"]}


def login(client, user: dict, *, by: str = "email", prefix: str = "", **kwargs) -> dict:
    """Log in and return the JSON body (asserting success)."""
    response = client.post(f"{prefix}/login", json={by: user[by], "password": user["password"]},
                           **kwargs)
    assert response.status_code == 200, response.text
    client.cookies.clear()  # tests choose explicitly between the bearer header and the cookie
    return response.json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def sql(client: TestClient, statement: str, **params) -> list:
    """Run SQL against the app's own database (to check what it stored)."""
    settings = client.app.state.container.settings
    engine = create_engine(database_url(settings))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return result.all() if result.returns_rows else []
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def h() -> SimpleNamespace:
    """The helpers above, for test modules (they cannot import the conftest)."""
    return SimpleNamespace(register=register, login=login, bearer=bearer, sql=sql,
                           unique_name=unique_name, served=served, make_settings=make_settings,
                           PASSWORD=PASSWORD)
