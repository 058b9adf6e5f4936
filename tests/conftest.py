"""System tests: the whole Bookstore, one process per service, on real MySQL and RabbitMQ."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import httpx
import pytest

from bookstore_shared.launcher import ServiceProcesses, settings_from, start_processes
from bookstore_shared.testing import Infrastructure, system_env


@dataclass
class RunningSystem:
    """A started system: its gateway URL, environment, processes and a client for the gateway."""

    url: str
    env: dict[str, str]
    procs: ServiceProcesses
    client: httpx.Client

    def service_url(self, name: str) -> str:
        return settings_from(self.env).service_url(name)


@pytest.fixture(scope="session")
def system(infra: Infrastructure, new_instance, tmp_path_factory) -> Iterator[RunningSystem]:
    """The whole system through its gateway; logs under the pytest temp dir."""
    data_dir = tmp_path_factory.mktemp("data")
    log_dir = tmp_path_factory.mktemp("logs")
    env = system_env(infra, new_instance(), str(data_dir))
    procs = start_processes(env, log_dir=str(log_dir))
    url = settings_from(env).service_url("gateway")
    try:
        # The shared client keeps no cookies: a login must not make later requests authenticated.
        with httpx.Client(base_url=url, timeout=10) as client:
            client.event_hooks["response"].append(lambda _response: client.cookies.clear())
            yield RunningSystem(url, env, procs, client)
    finally:
        procs.stop()
