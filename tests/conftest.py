"""System tests: the whole Bookstore, one process per service on real MySQL and RabbitMQ, or
standalone as `make run` starts it with nothing configured."""
from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from bookstore_shared.launcher import (
    ServiceProcesses,
    available_services,
    settings_from,
    start_processes,
    wait_ready,
)
from bookstore_testing import Infrastructure, system_env


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


_FIRST_ADMINS: dict[str, dict[str, str]] = {}


def first_admin(system: RunningSystem) -> dict[str, str]:
    """The system's first admin, created on first use: a system takes one `/create_admin`, so
    every test of a session shares it. Returns its Authorization header."""
    if system.url not in _FIRST_ADMINS:
        name = "admin" + uuid.uuid4().hex[:8]
        email, password = f"{name}@example.com", "admin password 1"
        with httpx.Client(base_url=system.url, timeout=10) as client:
            r = client.post("/create_admin",
                            json={"username": name, "email": email, "password": password})
        assert r.status_code == 201, f"first admin already taken on {system.url}: {r.text}"
        _FIRST_ADMINS[system.url] = login(system.url, email, password)
    return _FIRST_ADMINS[system.url]


@dataclass
class RunningSystem:
    """A started system: its gateway URL, environment, processes and a client for the gateway."""

    url: str
    env: dict[str, str]
    procs: ServiceProcesses
    client: httpx.Client
    mode: str = "services"

    def service_url(self, name: str) -> str:
        return settings_from(self.env).service_url(name)


MODES = ("services", "standalone")


@contextmanager
def own_system(infra: Infrastructure, new_instance, tmp_path_factory, name: str, *,
               mode: str = "services", timeout: float = 10,
               **overrides: str) -> Iterator[RunningSystem]:
    """A whole system of its own (instance, ports, data and logs under the pytest temp dir).

    `services`: one process per service on MySQL and RabbitMQ, as the containers run.
    `standalone`: what `make run` does with nothing configured (one process, SQLite files, the
    in-process bus); `procs` then holds that one process, named "standalone".
    """
    assert mode in MODES, mode
    data_dir = tmp_path_factory.mktemp(f"{name}-{mode}-data")
    log_dir = tmp_path_factory.mktemp(f"{name}-{mode}-logs")
    env = system_env(infra, new_instance(), str(data_dir), **overrides)
    if mode == "standalone":
        del env["BOOKSTORE_MYSQL_URL"], env["BOOKSTORE_RABBITMQ_URL"]
        procs = start_standalone(env, log_dir=str(log_dir))
    else:
        procs = start_processes(env, log_dir=str(log_dir))
    procs.log_dir = str(log_dir)
    url = settings_from(env).service_url("gateway")
    try:
        # The client keeps no cookies: a login must not make later requests authenticated.
        with httpx.Client(base_url=url, timeout=timeout) as client:
            client.event_hooks["response"].append(lambda _response: client.cookies.clear())
            yield RunningSystem(url, env, procs, client, mode)
    finally:
        procs.stop()


def start_standalone(env: dict[str, str], *, log_dir: str) -> ServiceProcesses:
    """`make run` with nothing configured, waited for until every service in it is ready."""
    procs = ServiceProcesses(env=env)
    with open(f"{log_dir}/standalone.log", "ab") as log:
        procs.procs["standalone"] = subprocess.Popen(
            [sys.executable, "-m", "bookstore_shared.launcher"], env=env, stdout=log,
            stderr=subprocess.STDOUT)
    try:
        settings = settings_from(env)
        for name, _pkg in available_services(env):
            wait_ready(settings.service_url(name), procs=procs, timeout=120)
    except BaseException:
        procs.stop()
        raise
    return procs


@pytest.fixture(scope="session")
def services_system(infra: Infrastructure, new_instance,
                    tmp_path_factory) -> Iterator[RunningSystem]:
    """The whole system, one process per service on MySQL and RabbitMQ."""
    with own_system(infra, new_instance, tmp_path_factory, "system") as running:
        yield running


@pytest.fixture(scope="session")
def standalone_system(infra: Infrastructure, new_instance,
                      tmp_path_factory) -> Iterator[RunningSystem]:
    """The whole system as `make run` starts it with nothing configured."""
    with own_system(infra, new_instance, tmp_path_factory, "system",
                    mode="standalone") as running:
        yield running


@pytest.fixture(scope="session")
def system(request) -> RunningSystem:
    """The whole system through its gateway, shared by the system tests: in each mode the test
    is parametrised for (tests/e2e/conftest.py), else one process per service."""
    mode = getattr(request, "param", "services")
    return request.getfixturevalue(f"{mode}_system")
