"""Helpers of the fault suites: users, books, readiness, restarts and a purchasing load."""
from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from functools import partial

import httpx
from bookstore_shared import services
from bookstore_shared.internal import internal_headers
from bookstore_shared.launcher import wait_ready
from bookstore_shared.settings import BaseServiceSettings
from bookstore_testing import wait_for as _wait_for

from ..conftest import RunningSystem, first_admin, register_and_login  # noqa: F401
from ..e2e.test_books import make_pdf

# Faults take a while to heal: a longer default wait than the unit suites.
wait_for = partial(_wait_for, timeout=30.0, every=0.1)

TERMINAL = {"DELIVERED", "CANCELLED"}
RETRYABLE = {502, 503, 504}  # a client retries these with the same Idempotency-Key


def new_user(system: RunningSystem) -> dict[str, str]:
    """A fresh user's Authorization header."""
    return register_and_login(system.url)


def add_book(system: RunningSystem, admin: dict, *, stock: int, price: str = "10.00") -> int:
    """A book with a one-page PDF; returns its id."""
    r = system.client.post("/books", headers=admin, data={
        "title": f"Fault book {uuid.uuid4().hex[:6]}", "author": "Ann Author", "price": price,
        "stock": str(stock)}, files={"pdf": ("b.pdf", make_pdf(1), "application/pdf")})
    assert r.status_code == 201, r.text
    return r.json()["book_id"]


def internal(system: RunningSystem) -> dict[str, str]:
    """The service credential of the system's /internal routes (as its processes derive it)."""
    env = system.env
    return internal_headers(BaseServiceSettings(
        _env_file=None, data_dir=env["BOOKSTORE_DATA_DIR"], instance=env["BOOKSTORE_INSTANCE"],
        internal_token=env.get("BOOKSTORE_INTERNAL_TOKEN")))


def service_names() -> list[str]:
    return list(services.names())


def readiness(system: RunningSystem) -> dict[str, int | str]:
    """`/readyz` status of every service (or the exception's name when it does not answer)."""
    out: dict[str, int | str] = {}
    for name in service_names():
        try:
            out[name] = httpx.get(system.service_url(name) + "/readyz", timeout=3).status_code
        except httpx.HTTPError as exc:
            out[name] = type(exc).__name__
    return out


def all_ready(system: RunningSystem, timeout: float = 60.0) -> None:
    """Wait until every service answers `/readyz` 200."""
    wait_for(lambda: set(readiness(system).values()) == {200}, timeout=timeout,
             what="every service ready")


def restart(system: RunningSystem, name: str) -> None:
    """Start a killed service again with the same environment; wait until it is ready."""
    system.procs.start(name, services.service(name).package, log_dir=getattr(system.procs, "log_dir", None))
    wait_ready(system.service_url(name), timeout=60, procs=system.procs)


def order_status(client: httpx.Client, headers: dict, order_id: int) -> dict:
    r = client.get(f"/orders/{order_id}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def orders_of(system: RunningSystem, headers: dict) -> list[dict]:
    """Every order of the caller (paging through `GET /orders`)."""
    out: list[dict] = []
    while True:
        r = system.client.get("/orders", headers=headers, params={"limit": 200,
                                                                  "offset": len(out)})
        assert r.status_code == 200, r.text
        out += r.json()
        if len(r.json()) < 200:
            return out


def settle_orders(system: RunningSystem, placed: dict[int, dict], *, until=TERMINAL,
                  timeout: float = 90.0) -> dict[int, dict]:
    """Poll each placed order (id -> owner's headers) until all reach `until`; returns them."""
    final: dict[int, dict] = {}

    def step():
        for oid, headers in placed.items():
            if oid not in final or final[oid]["status"] not in until:
                final[oid] = order_status(system.client, headers, oid)
        return all(o["status"] in until for o in final.values())

    wait_for(step, timeout=timeout, what=f"{len(placed)} orders to reach {until}", every=0.3)
    return final


@dataclass
class Purchases:
    """A bounded purchasing load: clients buy one copy at a time, retrying with the same
    Idempotency-Key on 503/connection errors, so a purchase is never lost nor doubled."""

    system: RunningSystem
    book_id: int
    users: list[dict]
    pause: float = 0.05
    retry_until_placed: bool = True
    placed: dict[int, dict] = field(default_factory=dict)      # order id -> owner's headers
    answers: list[tuple[int, dict | str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    purchases: int = 0
    per_user: Counter = field(default_factory=Counter)  # purchases by Authorization header
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Purchases:
        for headers in self.users:
            t = threading.Thread(target=self._client, args=(headers,), daemon=True)
            self._threads.append(t)
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(60)

    def _client(self, headers: dict) -> None:
        with httpx.Client(base_url=self.system.url, timeout=10) as client:
            while not self._stop.is_set():
                self._buy(client, headers)
                self._stop.wait(self.pause)

    def _buy(self, client: httpx.Client, headers: dict) -> None:
        key = uuid.uuid4().hex
        with self._lock:
            self.purchases += 1
            self.per_user[headers["Authorization"]] += 1
        for _attempt in range(600):
            try:
                r = client.post("/orders", json={"book_id": self.book_id, "quantity": 1},
                                headers={**headers, "Idempotency-Key": key})
            except httpx.TransportError as exc:  # the gateway itself is never killed here
                self._record(0, type(exc).__name__)
                time.sleep(0.1)
                continue
            body = _json(r)
            self._record(r.status_code, body)
            if r.status_code == 201:
                with self._lock:
                    self.placed[body["order_id"]] = headers
                return
            if r.status_code not in RETRYABLE or not self.retry_until_placed:
                if r.status_code not in RETRYABLE:
                    self.errors.append(f"{r.status_code} {r.text[:200]}")
                return
            time.sleep(0.1)
        self.errors.append(f"purchase {key} never placed")

    def _record(self, status: int, body) -> None:
        with self._lock:
            self.answers.append((status, body))


def _json(r: httpx.Response) -> dict | str:
    try:
        return r.json()
    except ValueError:
        return r.text[:200]
