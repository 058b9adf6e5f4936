"""System tests: the whole Bookstore, one process per service, on real MySQL and RabbitMQ."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from bookstore_shared.launcher import ServiceProcesses, settings_from, start_processes
from bookstore_shared.testing import Infrastructure, system_env


def login(url: str, email: str, password: str) -> dict[str, str]:
    """Log in through the gateway; returns the Authorization header."""
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
    return login(url, email, password)


@dataclass
class RunningSystem:
    """A started system: its gateway URL, environment, processes and a client for the gateway."""

    url: str
    env: dict[str, str]
    procs: ServiceProcesses
    client: httpx.Client

    def service_url(self, name: str) -> str:
        return settings_from(self.env).service_url(name)


@contextmanager
def own_system(infra: Infrastructure, new_instance, tmp_path_factory, name: str, *,
               timeout: float = 10, **overrides: str) -> Iterator[RunningSystem]:
    """A whole system of its own (instance, ports, data and logs under the pytest temp dir)."""
    data_dir = tmp_path_factory.mktemp(f"{name}-data")
    log_dir = tmp_path_factory.mktemp(f"{name}-logs")
    env = system_env(infra, new_instance(), str(data_dir), **overrides)
    procs = start_processes(env, log_dir=str(log_dir))
    procs.log_dir = str(log_dir)
    url = settings_from(env).service_url("gateway")
    try:
        # The client keeps no cookies: a login must not make later requests authenticated.
        with httpx.Client(base_url=url, timeout=timeout) as client:
            client.event_hooks["response"].append(lambda _response: client.cookies.clear())
            yield RunningSystem(url, env, procs, client)
    finally:
        procs.stop()


@pytest.fixture(scope="session")
def system(infra: Infrastructure, new_instance, tmp_path_factory) -> Iterator[RunningSystem]:
    """The whole system through its gateway, shared by the system tests."""
    with own_system(infra, new_instance, tmp_path_factory, "system") as running:
        yield running
