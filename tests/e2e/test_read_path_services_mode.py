"""Services mode (real MySQL + RabbitMQ, one process per service): catalog reads served from
memory show a stock report as soon as it is applied, and two catalog replicas, each with its own
cache, never serve a book older than an event that reached them."""
from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from bookstore_shared.events.contracts import StockChanged
from bookstore_shared.launcher import settings_from, wait_ready
from bookstore_shared.probe import EventProbe
from bookstore_testing import replica_env, wait_for
from catalog_service.adapters.orm import BOOK, INBOX
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.engine import make_url

from ..conftest import RunningSystem, own_system, register_and_login
from .test_books import make_pdf


@pytest.fixture(scope="module")
def shop(infra, new_instance, tmp_path_factory) -> Iterator[RunningSystem]:
    with own_system(infra, new_instance, tmp_path_factory, "read-path") as running:
        yield running


@pytest.fixture(scope="module")
def admin(shop) -> dict[str, str]:
    name = "admin" + uuid.uuid4().hex[:8]
    r = shop.client.post("/create_admin", json={"username": name, "email": f"{name}@example.com",
                                                "password": "admin password 1"})
    assert r.status_code == 201, r.text
    r = shop.client.post("/login", json={"email": f"{name}@example.com",
                                         "password": "admin password 1"})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def probe(shop, infra) -> Iterator[EventProbe]:
    with EventProbe(infra.rabbitmq_url, shop.env["BOOKSTORE_INSTANCE"]) as p:
        yield p


@pytest.fixture
def second_catalog(shop, tmp_path) -> Iterator[str]:
    """Another catalog process on the same database and queue (its own port base, every other
    service where the shop's are); its URL."""
    env = replica_env(shop.env, "catalog")
    with open(tmp_path / "catalog-2.log", "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "catalog_service.main"], env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        url = settings_from(env).service_url("catalog")
        wait_ready(url, timeout=60)
        yield url
    finally:
        proc.terminate()
        proc.wait(15)


def add_book(shop, admin, *, title: str, stock: int) -> int:
    r = shop.client.post("/books", headers=admin, data={
        "title": title, "author": "Ann Author", "price": "9.00", "stock": str(stock)},
        files={"pdf": ("b.pdf", make_pdf(1), "application/pdf")})
    assert r.status_code == 201, r.text
    return r.json()["book_id"]


@pytest.fixture(scope="module")
def catalog_db(shop, infra) -> Iterator[Engine]:
    """The catalog's own schema (to see what it committed, and to hold a book's row lock)."""
    url = make_url(infra.mysql_url).set(database=f"{shop.env['BOOKSTORE_INSTANCE']}_catalog")
    engine = create_engine(url)
    yield engine
    engine.dispose()


def applied_by_catalog(catalog_db: Engine, event_id: str) -> bool:
    """Has a catalog process committed this event (its inbox row)?"""
    with catalog_db.connect() as conn:
        return conn.execute(select(INBOX.c.event_id)
                            .where(INBOX.c.event_id == event_id)).first() is not None


def test_an_orders_stock_is_read_at_once_after_the_catalog_applied_inventorys_report(
        shop, catalog_db, admin, probe):
    book_id = add_book(shop, admin, title=f"Ordered {uuid.uuid4().hex[:8]}", stock=10)
    buyer = register_and_login(shop.url)
    for quantity, left in ((2, 8), (3, 5)):
        assert shop.client.get(f"/books/{book_id}").json()["stock"] == left + quantity
        r = shop.client.post("/orders", headers=buyer, json={"book_id": book_id,
                                                             "quantity": quantity})
        assert r.status_code == 201, r.text
        # the reservation reports the book's stock after it
        def reports(p, left=left):
            return [e for e in p.of_type("inventory.reserved")
                    if {"book_id": book_id, "stock": left} in [
                        {k: s[k] for k in ("book_id", "stock")} for s in e.data["stock_after"]]]
        probe.wait_until(lambda p: reports(p))
        report = reports(probe)[0]
        wait_for(lambda report=report: applied_by_catalog(catalog_db, report.id),
                 what="the catalog to apply the reservation's stock report")
        # the very next read, no polling: the cached answer was dropped as the report committed
        assert shop.client.get(f"/books/{book_id}").json()["stock"] == left
        assert {b["id"]: b["stock"] for b in shop.client.get(
            "/books", params={"limit": 200}).json()}[book_id] == left


class Reader(threading.Thread):
    """Reads one path of one replica in a loop, recording every stock it was shown."""

    def __init__(self, url: str, path: str, book_id: int):
        super().__init__(daemon=True)
        self.url, self.path, self.book_id = url, path, book_id
        self.seen: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self.stop.is_set():
                body = client.get(self.path).json()
                books = body if isinstance(body, list) else [body]
                self.seen.append(next(b["stock"] for b in books if b["id"] == self.book_id))


def shown(url: str, book_id: int, needle: str) -> tuple[int, int]:
    """The book's stock in its own answer and in a search page of one replica."""
    item = httpx.get(f"{url}/books/{book_id}").json()
    page = httpx.get(f"{url}/books", params={"q": needle}).json()
    return item["stock"], next(b["stock"] for b in page if b["id"] == book_id)


def test_two_catalog_replicas_never_serve_a_stale_book_after_the_event_reached_them(
        shop, catalog_db, admin, probe, second_catalog):
    needle = uuid.uuid4().hex[:10]
    book_id = add_book(shop, admin, title=f"Replicated {needle}", stock=1000)
    probe.wait_until(lambda p: any(e.data["book_id"] == book_id
                                   for e in p.of_type("inventory.stock_changed")))
    inventorys = next(e for e in probe.of_type("inventory.stock_changed")
                      if e.data["book_id"] == book_id)
    wait_for(lambda: applied_by_catalog(catalog_db, inventorys.id), what="inventory's report")
    replicas = [shop.service_url("catalog"), second_catalog]
    assert [shown(url, book_id, needle) for url in replicas] == [(1000, 1000)] * 2
    # While the book's row is locked, whichever replica takes the report from the shared queue
    # cannot commit it: both must show it anyway, as soon as it reaches them.
    with catalog_db.connect() as lock, lock.begin():
        lock.execute(select(BOOK.c.id).where(BOOK.c.id == book_id).with_for_update())
        [report] = probe.publish(StockChanged(book_id=book_id, stock=999, stock_version=1,
                                              revision=1000))
        for url in replicas:
            wait_for(lambda url=url: shown(url, book_id, needle) == (999, 999),
                     what=f"{url} to show the report before the database has it")
        assert not applied_by_catalog(catalog_db, report.id)
    wait_for(lambda: applied_by_catalog(catalog_db, report.id), what="the report's commit")
    assert [shown(url, book_id, needle) for url in replicas] == [(999, 999)] * 2
    readers = [Reader(url, path, book_id) for url in replicas
               for path in (f"/books/{book_id}", f"/books?q={needle}")]
    for reader in readers:
        reader.start()
    # Reports newer than inventory's own (same stock version, later revisions), each with less
    # stock: on any replica, a stock that goes up again is a stale answer.
    rng = random.Random(16)
    for n in range(1, 41):
        probe.publish(StockChanged(book_id=book_id, stock=999 - n, stock_version=1,
                                   revision=1000 + n))
        if n % 10:
            time.sleep(rng.uniform(0, 0.02))
            continue
        # A checkpoint: both replicas show this report and every reader reads it (a read begun
        # before it may still answer the one before: two reads), so reads interleave with the
        # reports however slow the machine is.
        for url in replicas:
            wait_for(lambda url=url, n=n: shown(url, book_id, needle) == (999 - n, 999 - n),
                     what=f"{url} to show report {n}")
        marks = [len(reader.seen) for reader in readers]
        wait_for(lambda marks=marks: all(len(r.seen) >= m + 2 for r, m in zip(readers, marks,
                                                                               strict=True)),
                 what=f"every reader to read report {n}")
    for url in replicas:
        wait_for(lambda url=url: shown(url, book_id, needle) == (959, 959),
                 what=f"{url} to show the last report")
    time.sleep(0.3)
    for reader in readers:
        reader.stop.set()
        reader.join(10)
    for reader in readers:
        assert reader.seen and reader.seen[-1] == 959, (reader.url, reader.path)
        went_back = [(a, b) for a, b in zip(reader.seen, reader.seen[1:], strict=False) if b > a]
        assert not went_back, (reader.url, reader.path, went_back)
    for reader in readers:  # each read every checkpoint
        assert {989, 979, 969, 959} <= set(reader.seen), (reader.url, reader.path, reader.seen)
