"""Fixtures for the notification service on real MySQL, RabbitMQ and SMTP (aiosmtpd)."""
from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from bookstore_shared.probe import EventProbe
from bookstore_testing import free_port_base
from notification_it_support import ServiceProcess, SigningKey, SmtpSink, Upstream, service_env

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey()


@pytest.fixture(scope="session")
def upstream(signing_key):
    """JWKS of the test key and the catalog's PDF endpoint, on one local HTTP server."""
    server = Upstream(signing_key.jwks)
    yield server
    server.close()


@pytest.fixture
def make_smtp_sink():
    """Start SMTP sinks on fresh ports; all stopped at the end of the test."""
    sinks: list[SmtpSink] = []

    def make() -> SmtpSink:
        sinks.append(SmtpSink(free_port()))
        return sinks[-1]

    yield make
    for sink in sinks:
        sink.stop()


@pytest.fixture
def start_service(infra, upstream, tmp_path):
    """Start notification-service processes (`python -m notification_service.main`)."""
    procs: list[ServiceProcess] = []

    def start(instance: str, smtp_port: int, **extra: str) -> ServiceProcess:
        env = service_env(infra, instance, str(tmp_path / "data"), upstream=upstream,
                          smtp_port=smtp_port, port_base=free_port_base(), **extra)
        procs.append(ServiceProcess(env, str(tmp_path / f"notification-{len(procs)}.log")))
        return procs[-1]

    yield start
    for proc in procs:
        proc.stop()


@pytest.fixture
def probe(infra, instance_name):
    """Publishes events on the test instance's exchange."""
    with EventProbe(infra.rabbitmq_url, instance_name, patterns=["notification.#"]) as p:
        yield p


@pytest.fixture
def instance_name(new_instance) -> str:
    return new_instance()


class Stack:
    """One instance: an SMTP sink, a probe on its exchange and a running service."""

    def __init__(self, instance: str, sink: SmtpSink, probe: EventProbe, service: ServiceProcess):
        self.instance, self.sink, self.probe, self.service = instance, sink, probe, service


@pytest.fixture(scope="module")
def stack(infra, upstream, new_instance, tmp_path_factory):
    """A notification service shared by the tests of one module."""
    tmp = tmp_path_factory.mktemp("notification")
    instance = new_instance()
    sink = SmtpSink(free_port())
    env = service_env(infra, instance, str(tmp / "data"), upstream=upstream,
                      smtp_port=sink.port, port_base=free_port_base())
    service = ServiceProcess(env, str(tmp / "notification.log"))
    probe = EventProbe(infra.rabbitmq_url, instance, patterns=["notification.#"])
    try:
        yield Stack(instance, sink, probe, service)
    finally:
        probe.close()
        service.stop()
        sink.stop()
