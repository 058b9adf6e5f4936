"""Deployment-level attacks (issue 14, findings 2, 9, 10), services mode: a system of its own
behind a "proxy" (clients connect from 127.0.0.2, a trusted proxy here, and name themselves in
X-Forwarded-For, as the Kubernetes ingress does), with a bootstrap admin token; and processes
started with unsafe settings, which must refuse to start."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from bookstore_testing import free_port_base

from ..conftest import RunningSystem, own_system

BOOTSTRAP = "bootstrap-" + uuid.uuid4().hex
PER_ADDRESS_LIMIT = 20


@pytest.fixture(scope="module")
def proxied(infra, new_instance, tmp_path_factory) -> Iterator[RunningSystem]:
    with own_system(infra, new_instance, tmp_path_factory, "proxied",
                    BOOKSTORE_TRUSTED_PROXIES="127.0.0.1/32,::1/128,127.0.0.2/32",
                    BOOKSTORE_BOOTSTRAP_ADMIN_TOKEN=BOOTSTRAP,
                    BOOKSTORE_LOGIN_MAX_FAILURES_PER_IP=str(PER_ADDRESS_LIMIT)) as running:
        yield running


def through_ingress(system: RunningSystem) -> httpx.Client:
    """A client whose connections come from 127.0.0.2: the ingress in front of the gateway."""
    return httpx.Client(base_url=system.url, timeout=30,
                        transport=httpx.HTTPTransport(local_address="127.0.0.2"))


def _admin_body() -> dict:
    name = "boot" + uuid.uuid4().hex[:8]
    return {"username": name, "email": f"{name}@example.com", "password": "admin password 1"}


def test_the_first_admin_needs_the_bootstrap_token(proxied, figures):
    with through_ingress(proxied) as client:
        anyone = client.post("/create_admin", json=_admin_body())
        wrong = client.post("/create_admin", json=_admin_body(),
                            headers={"X-Bootstrap-Token": "bootstrap-guessed-value-0"})
        operator = client.post("/create_admin", json=_admin_body(),
                               headers={"X-Bootstrap-Token": BOOTSTRAP})
    figures.cases += 3
    figures.attack("the first POST /create_admin of a fresh deployment, without / with a wrong "
                   "X-Bootstrap-Token", f"{anyone.status_code} {anyone.json()['message']} / "
                   f"{wrong.status_code}; the operator's token: {operator.status_code}")
    assert anyone.status_code == 401 and wrong.status_code == 401, (anyone.text, wrong.text)
    assert anyone.json()["message"] == "Bootstrap token required"
    assert operator.status_code == 201, operator.text


def _register(client: httpx.Client) -> dict:
    name = "px" + uuid.uuid4().hex[:8]
    body = {"username": name, "email": f"{name}@example.com", "password": "right password 1"}
    assert client.post("/register", json=body).status_code == 201
    return body


def _login(client: httpx.Client, body: dict, address: str, password: str | None = None) -> int:
    return client.post("/login", headers={"X-Forwarded-For": address}, json={
        "email": body["email"], "password": password or body["password"]}).status_code


def test_one_client_behind_the_ingress_cannot_lock_out_everyone_else(proxied, figures):
    mallory, alice = "203.0.113.66", "198.51.100.7"
    with through_ingress(proxied) as client:
        victim, own = _register(client), _register(client)
        answers = [client.post("/login", headers={"X-Forwarded-For": mallory}, json={
            "email": f"nobody{i}@example.com", "password": "guess"}).status_code
            for i in range(PER_ADDRESS_LIMIT + 2)]
        assert answers[-1] == 429, answers  # the per-address limit holds for mallory
        others = _login(client, victim, alice)
        mallorys_own = _login(client, own, mallory)
        for i in range(10):  # the per-account limit still holds, whoever asks
            _login(client, victim, f"192.0.2.{i + 1}", password="wrong")
        locked = _login(client, victim, alice)
    figures.cases += PER_ADDRESS_LIMIT + 15
    figures.attack(f"{PER_ADDRESS_LIMIT + 2} wrong logins from one client behind the ingress",
                   f"that client gets 429; another client's right password: {others}; the "
                   f"same client's right password: {mallorys_own}; an account with 10 "
                   f"failures: {locked}")
    assert others == 200, "a client behind the same proxy was locked out"
    assert mallorys_own == 200, "a right password was refused by the per-address limit"
    assert locked == 429


def _refuses_to_start(module: str, env: dict) -> tuple[int | None, str]:
    proc = subprocess.Popen([sys.executable, "-m", module], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    if proc.poll() is None:
        proc.terminate()
        proc.wait(15)
        return None, "still running after 30 s"
    return proc.returncode, proc.stdout.read()


@pytest.mark.parametrize("module,unsafe", [
    ("gateway.main", {"BOOKSTORE_CORS_ORIGINS": "*"}),
    # a secret left at its example value (the database URL stays valid: only that is wrong)
    ("auth_service.main", {"BOOKSTORE_ENVIRONMENT": "production",
                           "BOOKSTORE_INTERNAL_TOKEN": "i" * 32,
                           "BOOKSTORE_BOOTSTRAP_ADMIN_TOKEN": "change-me-bootstrap-token"}),
    ("catalog_service.main", {"BOOKSTORE_ENVIRONMENT": "production"}),  # no internal token
], ids=["cors wildcard", "example password", "no internal token"])
def test_a_process_with_unsafe_settings_refuses_to_start(proxied, figures, module, unsafe):
    env = {**proxied.env, "BOOKSTORE_PORT_BASE": str(free_port_base()), **unsafe}
    code, output = _refuses_to_start(module, env)
    figures.cases += 1
    shown = ", ".join(f"{k}={'…' if 'TOKEN' in k else v}"
                      for k, v in unsafe.items())
    figures.attack(f"starting {module.split('.')[0]} with {shown}",
                   "refused to start" if code else f"exit {code}")
    assert code not in (None, 0), output[-500:]
    assert "change-me-bootstrap-token" not in output  # the reason names settings, not values
