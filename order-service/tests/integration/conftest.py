"""An order service on the real MySQL, with an in-process bus the tests feed and observe."""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import orjson
import pytest
from bookstore_shared.bus import InProcessBus
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import StockChanged, order_status_said
from bookstore_shared.security import StaticKeys, TokenVerifier
from bookstore_testing import wait_for
from fastapi import FastAPI
from fastapi.testclient import TestClient
from order_service.adapters.orm import INBOX, OUTBOX
from order_service.config import Settings
from order_service.main import create_app
from sqlalchemy import select

from .fakes import FakeCatalog, TokenMint

_book_ids = itertools.count(1000)


@dataclass
class Harness:
    app: FastAPI
    client: TestClient
    bus: InProcessBus
    catalog: FakeCatalog
    mint: TokenMint
    published: list[Envelope] = field(default_factory=list)

    @property
    def sessions(self):
        return self.app.state.container.runtime.sessions

    def auth(self, user_id: int, *, admin: bool = False, **extra: str) -> dict:
        return {"Authorization": f"Bearer {self.mint.token(user_id, admin=admin)}", **extra}

    def new_book(self, *, price: str = "10.00", stock: int = 100, title: str = "A Book") -> int:
        """A book only the catalog knows so far (the service fetches it on first order)."""
        book_id = next(_book_ids)
        self.catalog.add(book_id, title=title, price=price, stock=stock)
        return book_id

    def place(self, user_id: int, body: dict, **headers: str) -> int:
        response = self.client.post("/orders", json=body, headers=self.auth(user_id, **headers))
        assert response.status_code == 201, response.text
        return response.json()["order_id"]

    def order(self, order_id: int, user_id: int = 0, *, admin: bool = True) -> dict:
        response = self.client.get(f"/orders/{order_id}", headers=self.auth(user_id, admin=admin))
        assert response.status_code == 200, response.text
        return response.json()

    def deliver(self, payload, *, envelope: Envelope | None = None) -> Envelope:
        """Publish an event to the service and wait until its effect is committed."""
        env = envelope or Envelope.wrap(payload, producer="test")
        self.bus.publish([env])
        wait_for(lambda: self.processed(env), what=f"{env.type} processed")
        return env

    def settle(self) -> None:
        """Deliver a marker (a stock report for a book nobody orders) and wait for it: the
        in-process bus's one consumer thread has then handled everything published before it."""
        self.deliver(StockChanged(book_id=next(_book_ids), stock=0))

    def processed(self, env: Envelope) -> bool:
        with self.sessions() as s:
            return s.execute(select(INBOX.c.event_id).where(INBOX.c.event_id == env.id)).first() \
                is not None

    def outbox(self, order_id: int | None = None) -> list[tuple[str, dict]]:
        """Events the service staged, in order, optionally for one order."""
        with self.sessions() as s:
            rows = s.execute(select(OUTBOX.c.event_type, OUTBOX.c.body)
                             .order_by(OUTBOX.c.id)).all()
        events = [(r.event_type, orjson.loads(r.body)["data"]) for r in rows]
        return [e for e in events if order_id is None or e[1].get("order_id") == order_id]

    def statuses(self, order_id: int) -> list[str]:
        """The statuses the outbox tells of, in order, each from the one event that says it."""
        return [s for t, d in self.outbox(order_id) if (s := order_status_said(t, d))]


@contextmanager
def running_harness(**settings: object) -> Iterator[Harness]:
    """The app with its lifespan running, on the database the settings name."""
    catalog = FakeCatalog().start()
    bus = InProcessBus(retry_delays_ms=[50, 100, 200])
    app = create_app(Settings(_env_file=None, service_urls={"catalog": catalog.url}, **settings),
                     bus=bus)
    mint = TokenMint()
    app.state.token_verifier = TokenVerifier(StaticKeys(mint.jwks))
    try:
        with TestClient(app) as client:
            harness = Harness(app, client, bus, catalog, mint)
            bus.subscribe("recorder", ["#"], harness.published.append)
            bus.start()
            yield harness
            bus.stop()
    finally:
        catalog.stop()


@pytest.fixture(scope="module")
def harness(infra, new_instance, tmp_path_factory) -> Iterator[Harness]:
    """The app on a fresh MySQL schema."""
    with running_harness(mysql_url=infra.mysql_url, instance=new_instance(),
                         data_dir=tmp_path_factory.mktemp("order")) as harness:
        yield harness


@pytest.fixture(scope="module")
def standalone_harness(tmp_path_factory) -> Iterator[Harness]:
    """The app as `make run` standalone runs it: SQLite, no row locks."""
    with running_harness(data_dir=tmp_path_factory.mktemp("order-sqlite")) as harness:
        yield harness
