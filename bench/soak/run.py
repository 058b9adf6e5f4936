"""Run a soak: start the system with replicas, seed it, load it, break it, verify it, measure it."""
from __future__ import annotations

import os
import random
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx
from bookstore_testing import Infrastructure, drop_instance, system_env
from bookstore_testing.mail import SmtpSinkProcess

from ..system import _pdf
from .chaos import KINDS, Chaos
from .cluster import Cluster
from .events import EventLog
from .load import Load, User
from .verify import Schemas, Verdict, verify

PASSWORD = "soak password 1"
SAMPLE_EVERY_S = 5.0


@dataclass
class Samples:
    """Every few seconds: resident memory per process (MB) and the lowest stock level."""

    rss: list[tuple[float, dict[str, float]]] = field(default_factory=list)
    lowest_stock: list[tuple[float, int]] = field(default_factory=list)


@dataclass
class Soak:
    minutes: float
    rate: float
    seed: int
    users: int
    started: str
    load: Load
    chaos: Chaos
    samples: Samples
    verdict: Verdict
    restarted_by_themselves: list[str]
    instance: str


def run_soak(infra: Infrastructure, *, minutes: float = 10, rate: float = 40, seed: int = 1,
             users: int = 40, every: tuple[float, float] = (30.0, 60.0),
             kinds: tuple[str, ...] = KINDS, instance: str | None = None,
             log_dir: str | None = None, keep_instance: bool = False) -> Soak:
    instance = instance or "s" + uuid.uuid4().hex[:10]
    data_dir = tempfile.mkdtemp(prefix="bookstore-soak-")
    log_dir = log_dir or tempfile.mkdtemp(prefix="bookstore-soak-logs-")
    smtp = SmtpSinkProcess()  # the harness is busy: its SMTP server must not wait on it
    env = system_env(infra, instance, data_dir, BOOKSTORE_LOG_LEVEL="WARNING",
                     BOOKSTORE_SMTP_HOST="127.0.0.1", BOOKSTORE_SMTP_PORT=str(smtp.port),
                     # a killed sender's email goes out again within seconds; retries outlast a
                     # killed catalog's restart (the PDF comes from it)
                     BOOKSTORE_MAIL_LEASE_S="3", BOOKSTORE_MAIL_RETRY_MAX_S="2",
                     BOOKSTORE_MAIL_MAX_ATTEMPTS="60")
    events = EventLog(infra.rabbitmq_url, instance).start()
    cluster = Cluster(env, log_dir)
    schemas = Schemas(infra.mysql_url, instance)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    try:
        cluster.start()
        admin, people, books, stock = _seed(cluster, users, rate, minutes)
        t0 = time.monotonic()
        load = Load(cluster.gateway_url, people, books, admin, rate, seed, t0).start()
        samples, stop_sampling = Samples(), threading.Event()
        sampler = threading.Thread(target=_sample, args=(cluster, schemas, samples, t0,
                                                         stop_sampling), daemon=True)
        sampler.start()
        chaos = Chaos(cluster, infra.mysql_url, instance, seed, every=every, kinds=kinds,
                      t0=t0).start()
        # no fault at the end (15 s, a sixth of a short run): the recovery after the last one
        # must be seen
        quiet = min(15.0, minutes * 60 / 6)
        time.sleep(minutes * 60 - quiet)
        chaos.stop()
        time.sleep(quiet)
        load.stop_arrivals()
        dead = cluster.revive()
        verdict = verify(load, schemas, events, smtp, instance=instance, initial_stock=stock,
                         audit_queue=events.queue, timeout=max(120.0, minutes * 30))
        stop_sampling.set()
        load.stop()
        sampler.join(15)
        for name in dead:
            verdict.problems.append(f"{name} exited by itself and was started again")
        lowest = min((low for _t, low in samples.lowest_stock), default=None)
        if lowest is not None and lowest < 0:
            verdict.problem("doubled", f"oversold: a stock level was {lowest} during the run")
        verdict.checked["stock samples (never negative)"] = len(samples.lowest_stock)
        return Soak(minutes, rate, seed, users, started, load, chaos, samples, verdict, dead,
                    instance)
    finally:
        cluster.stop()
        events.close()
        schemas.dispose()
        smtp.stop()
        if not keep_instance:
            drop_instance(infra, instance)


def _seed(cluster: Cluster, users: int, rate: float, minutes: float):
    """An admin, users (half listening through the gateway, half on a notification replica),
    books with plenty of stock and two that sell out during the run."""
    url = cluster.gateway_url
    replica = cluster.members.get("notification#2")
    with httpx.Client(base_url=url, timeout=30) as client:
        admin = _account(client, "/create_admin", "admin" + uuid.uuid4().hex[:8])
        people = []
        for n in range(users):
            name = "u" + uuid.uuid4().hex[:10]
            token = _account(client, "/register", name)["Authorization"].split(" ", 1)[1]
            ws_base = replica.url if replica and n % 2 else url
            people.append(User(f"{name}@example.com", PASSWORD,
                               ws_base.replace("http://", "ws://"), token))
        expected = rate * minutes * 60 * 1.33  # quantities 1, 1 or 2
        small = max(10, int(expected / 16))  # each sells out about half way through
        stock = {}
        pdf = _pdf()
        for n in range(8):
            amount = small if n < 2 else 1_000_000
            r = client.post("/books", headers=admin, data={
                "title": f"Soak book {n}", "author": "A. Author", "price": "10.00",
                "stock": str(amount)}, files={"pdf": ("b.pdf", pdf, "application/pdf")})
            assert r.status_code == 201, r.text
            stock[r.json()["book_id"]] = amount
    return admin, people, list(stock), stock


def _account(client: httpx.Client, path: str, name: str) -> dict[str, str]:
    email = f"{name}@example.com"
    r = client.post(path, json={"username": name, "email": email, "password": PASSWORD})
    assert r.status_code == 201, r.text
    r = client.post("/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _sample(cluster: Cluster, schemas: Schemas, samples: Samples, t0: float,
            stop: threading.Event) -> None:
    while not stop.wait(SAMPLE_EVERY_S):
        now = time.monotonic() - t0
        rss = {n: mb for n, pid in cluster.pids().items() if (mb := rss_mb(pid)) is not None}
        samples.rss.append((now, rss))
        try:
            (low,), = schemas.rows("inventory", "SELECT MIN(available) FROM stock")
            samples.lowest_stock.append((now, low))
        except Exception:  # noqa: BLE001, S112 — the database may be the fault of the moment
            continue


def default_seed() -> int:
    return int(os.environ.get("SOAK_SEED", random.SystemRandom().randrange(1, 10**6)))
