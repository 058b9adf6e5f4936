"""The AI service on a fresh instance of the real MySQL and RabbitMQ, with a fake catalog and a
local OpenAI-compatible server."""
from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Self

import pytest
from ai_service.config import Settings
from ai_service.main import create_app
from bookstore_shared.events.contracts import BookCreated, BookDeleted, BookUpdated
from bookstore_shared.probe import EventProbe
from bookstore_testing.ai import FakeCatalog, FakeOpenAI
from fastapi.testclient import TestClient

pytestmark = pytest.mark.integration

MODEL = "gpt-test-model"
API_KEY = "sk-test-dummy-key-123"


@pytest.fixture(scope="module")
def openai_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def catalog() -> Iterator[FakeCatalog]:
    server = FakeCatalog().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _reset(openai_server, catalog):
    openai_server.requests.clear()
    openai_server.headers.clear()
    openai_server.answers.clear()
    openai_server.failures.clear()
    openai_server.always_fail = None
    catalog.delay_s.clear()


@pytest.fixture
def make_settings(infra, new_instance, catalog, openai_server):
    """Settings on a fresh instance; `online=True` points the openai client at the fake server."""

    def make(*, online: bool = True, instance: str | None = None, **overrides) -> Settings:
        values = {"mysql_url": infra.mysql_url, "rabbitmq_url": infra.rabbitmq_url,
                  "instance": instance or new_instance(), "service_urls": {"catalog": catalog.url},
                  "retry_delays_ms": "100,200,300", "ai_model": MODEL, "ai_chunk_tokens": 300,
                  "ai_answer_tokens": 200, "ai_backoff_s": 0.01, "ai_max_attempts": 3,
                  "ai_poll_s": 0.5, "ai_fetch_attempts": 2}
        if online:
            values.update(openai_api_key=API_KEY, openai_base_url=openai_server.base_url)
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return make


class RunningAi:
    """A started AI service (lifespan running) and its container."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.app = create_app(settings)
        self.container = self.app.state.container
        self.client = TestClient(self.app)

    def __enter__(self) -> Self:
        self.client.__enter__()
        deadline = time.monotonic() + 15
        while self.client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the AI service did not become ready"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.client.__exit__(*exc)


@pytest.fixture
def probe_for(infra):
    probes: list[EventProbe] = []

    def make(settings: Settings) -> EventProbe:
        probes.append(EventProbe(infra.rabbitmq_url, settings.instance, ["book.summarized"]))
        return probes[-1]

    yield make
    for p in probes:
        p.close()


def book_created(book_id: int, pdf_key: str | None, *, changed: bool = True) -> BookCreated:
    return BookCreated(book_id=book_id, title=f"Book {book_id}", author="A. Author",
                       price=Decimal("9.99"), stock=1, pdf_key=pdf_key, pdf_changed=changed)


def book_updated(book_id: int, pdf_key: str | None, *, changed: bool) -> BookUpdated:
    return BookUpdated(book_id=book_id, title=f"Book {book_id}", author="A. Author",
                       price=Decimal("9.99"), stock=1, pdf_key=pdf_key, pdf_changed=changed)


@pytest.fixture
def ev() -> SimpleNamespace:
    """Event builders and the service runner (test modules cannot import each other)."""
    return SimpleNamespace(book_created=book_created, book_updated=book_updated,
                           book_deleted=lambda book_id: BookDeleted(book_id=book_id),
                           RunningAi=RunningAi)
