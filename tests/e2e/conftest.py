"""System-test helpers shared by e2e modules: both modes, the first admin and fresh users."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from bookstore_testing.mail import SmtpSink

from ..conftest import MODES, first_admin, own_system, register_and_login
from .otlp_receiver import OtlpReceiver

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


class MailSystem:
    """A whole system of its own that mails an SMTP server (`sink`) and exports its traces to an
    OTLP/HTTP receiver (`traces`); with its first admin and fresh users."""

    def __init__(self, url: str, sink: SmtpSink, traces: OtlpReceiver):
        self.url, self.sink, self.traces = url, sink, traces
        self.ws_url = url.replace("http://", "ws://") + "/ws"
        self.client = httpx.Client(base_url=url, timeout=15)
        self._admin: dict | None = None

    @property
    def admin(self) -> dict:
        """The system's first admin, created on first use."""
        if self._admin is None:
            self._admin = self.user(admin=True)
        return self._admin

    def user(self, *, admin: bool = False) -> dict:
        name = ("admin" if admin else "u") + uuid.uuid4().hex[:10]
        body = {"username": name, "email": f"{name}@example.com", "password": "correct horse 1"}
        r = self.client.post("/create_admin" if admin else "/register", json=body)
        assert r.status_code == 201, r.text
        r = self.client.post("/login", json={"email": body["email"], "password": body["password"]})
        assert r.status_code == 200, r.text
        token = r.json()["access_token"]
        self.client.cookies.clear()  # the shared client must not stay logged in
        return {"email": body["email"], "token": token,
                "headers": {"Authorization": f"Bearer {token}"}}


@pytest.fixture(scope="package", params=MODES)
def mail_system(request, infra, new_instance, tmp_path_factory) -> Iterator[MailSystem]:
    """A second system, in each mode, whose notification service mails an aiosmtpd server and
    whose services send their traces to a local OTLP receiver (the email and tracing tests)."""
    sink = SmtpSink()
    try:
        with OtlpReceiver() as traces, own_system(
                infra, new_instance, tmp_path_factory, "mail", mode=request.param,
                BOOKSTORE_SMTP_HOST="127.0.0.1", BOOKSTORE_SMTP_PORT=str(sink.port),
                OTEL_EXPORTER_OTLP_ENDPOINT=traces.endpoint, OTEL_BSP_SCHEDULE_DELAY="100",
                OTEL_TRACES_SAMPLER="parentbased_always_on") as running:
            system = MailSystem(running.url, sink, traces)
            try:
                yield system
            finally:
                system.client.close()
    finally:
        sink.stop()
