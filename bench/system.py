"""Start the whole system (one process per service, real MySQL and RabbitMQ) and seed it."""
from __future__ import annotations

import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from bookstore_shared import services
from bookstore_shared.launcher import (
    ServiceProcesses,
    settings_from,
    start_processes,
    wait_ready,
)
from bookstore_testing import Infrastructure, drop_instance, replica_env, system_env

from .cpu import infrastructure_pids


def local_infrastructure() -> Infrastructure:
    """MariaDB and RabbitMQ on 127.0.0.1 (as the pytest plugin finds them)."""
    for port, what in ((3306, "MySQL"), (5672, "RabbitMQ")):
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) != 0:
                raise SystemExit(f"{what} is not listening on 127.0.0.1:{port}")
    return Infrastructure("mysql+pymysql://root:@127.0.0.1:3306",
                          "amqp://guest:guest@127.0.0.1:5672/")


@dataclass
class Bench:
    """A running system and what the benchmarks need from it."""

    infra: Infrastructure
    instance: str
    env: dict
    url: str
    admin: dict = field(default_factory=dict)
    pids: dict[str, list[int]] = field(default_factory=dict)
    users: list[dict] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    books: list[int] = field(default_factory=list)

    def service_url(self, name: str) -> str:
        return settings_from(self.env).service_url(name)


@contextmanager
def running_system(log_dir: str, **overrides: str) -> Iterator[Bench]:
    """Start every service on a fresh instance; stop them and drop the instance afterwards."""
    infra = local_infrastructure()
    instance = "b" + uuid.uuid4().hex[:10]
    data_dir = tempfile.mkdtemp(prefix="bookstore-bench-")
    env = system_env(infra, instance, data_dir, BOOKSTORE_SHIP_AFTER_S="0",
                     BOOKSTORE_DELIVER_AFTER_S="0", BOOKSTORE_LOG_LEVEL="WARNING", **overrides)
    try:
        procs = start_processes(env, log_dir=log_dir)
        try:
            pids = {name: [proc.pid] for name, proc in procs.procs.items()}
            yield Bench(infra, instance, env, settings_from(env).service_url("gateway"),
                        pids={**pids, **infrastructure_pids()})
        finally:
            procs.stop()
    finally:
        drop_instance(infra, instance)


@contextmanager
def more_replicas(bench: Bench, service: str, count: int, log_dir: str) -> Iterator[list]:
    """`count` more processes of `service`, each with a `replica_env` of its own, started together
    and waited for; yields [(url, pid)] and stops them afterwards. Logs: `<service>#2.log`, ..."""
    package = services.service(service).package
    replicas = [ServiceProcesses(env=replica_env(bench.env, service)) for _ in range(count)]
    try:
        for n, procs in enumerate(replicas, start=2):
            procs.start(f"{service}#{n}", package, log_dir=log_dir)
        urls = [settings_from(procs.env).service_url(service) for procs in replicas]
        for url, procs in zip(urls, replicas, strict=True):
            wait_ready(url, procs=procs, timeout=120)
        yield [(url, next(iter(procs.procs.values())).pid)
               for url, procs in zip(urls, replicas, strict=True)]
    finally:
        for procs in replicas:
            procs.stop()


def _user(client: httpx.Client, path: str, name: str) -> tuple[dict, str]:
    email, password = f"{name}@example.com", "bench password 1"
    r = client.post(path, json={"username": name, "email": email, "password": password})
    assert r.status_code == 201, r.text
    r = client.post("/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    client.cookies.clear()
    return {"Authorization": f"Bearer {token}"}, token


def _pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "A short book used by the benchmarks.")
    return bytes(pdf.output())


def seed(bench: Bench, *, books: int = 100, users: int = 20, stock: int = 1_000_000) -> None:
    """An admin, `users` users, and `books` books with plenty of stock, each with a one-page PDF
    whose summary is generated before this returns: the AI work the uploads start would
    otherwise still run in the measurements that follow (idle CPU, the saga at 25/s)."""
    pdf = _pdf()
    with httpx.Client(base_url=bench.url, timeout=30) as client:
        bench.admin, _ = _user(client, "/create_admin", "admin" + uuid.uuid4().hex[:8])
        for headers, token in _new_users(client, users):
            bench.users.append(headers)
            bench.tokens.append(token)
        for n in range(books):
            r = client.post("/books", headers=bench.admin, data={
                "title": f"Bench book {n}", "author": "A. Author", "price": "10.00",
                "stock": str(stock)}, files={"pdf": ("b.pdf", pdf, "application/pdf")})
            assert r.status_code == 201, r.text
            bench.books.append(r.json()["book_id"])
        _wait_summarized(client, bench)
    wait_idle(bench)


def _wait_summarized(client: httpx.Client, bench: Bench, timeout: float = 300) -> None:
    """Until every seeded book's summary is stored (202 while it is pending)."""
    deadline = time.monotonic() + timeout
    for book_id in bench.books:
        while (r := client.get(f"/books/{book_id}/summary", headers=bench.admin)).status_code \
                == 202:
            if time.monotonic() > deadline:
                raise TimeoutError(f"book {book_id}: no summary after {timeout:.0f} s")
            time.sleep(0.2)
        assert r.status_code == 200, r.text


def new_users(bench: Bench, n: int) -> list[tuple[dict, str]]:
    """Register and log in `n` more users: (headers, access token) each, the token fresh (each
    user costs the auth service two argon2 hashes)."""
    with httpx.Client(base_url=bench.url, timeout=30) as client:
        return _new_users(client, n)


def _new_users(client: httpx.Client, n: int) -> list[tuple[dict, str]]:
    return [_user(client, "/register", "u" + uuid.uuid4().hex[:10]) for _ in range(n)]


def queue_depth(bench: Bench) -> int:
    """Messages waiting in the instance's service queues (those that exist)."""
    import pika
    from bookstore_shared.services import names

    conn = pika.BlockingConnection(pika.URLParameters(bench.infra.rabbitmq_url))
    try:
        depth = 0
        for name in names():
            ch = conn.channel()
            try:
                depth += ch.queue_declare(f"{bench.instance}.{name}",
                                          passive=True).method.message_count
                ch.close()
            except pika.exceptions.ChannelClosedByBroker:
                pass  # no such queue
        return depth
    finally:
        conn.close()


def wait_idle(bench: Bench, timeout: float = 60) -> None:
    """Wait until every service queue of the instance is empty (summaries, stock, emails)."""
    deadline = time.monotonic() + timeout
    while queue_depth(bench) and time.monotonic() < deadline:
        time.sleep(0.2)
