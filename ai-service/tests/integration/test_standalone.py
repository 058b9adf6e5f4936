"""Standalone mode: SQLite and the in-process bus carry a book event to a summary."""
from __future__ import annotations

import threading
import time
from decimal import Decimal

from ai_service.config import Settings
from ai_service.main import create_app
from bookstore_shared.bus import InProcessBus
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import BookCreated
from bookstore_testing.ai import book_pages, make_pdf
from fastapi.testclient import TestClient


def test_a_book_is_summarised_offline_on_sqlite_with_the_in_process_bus(tmp_path, catalog):
    catalog.pdfs[50] = make_pdf(book_pages(["QXSOLO", "QXDUO"]))
    bus = InProcessBus(retry_delays_ms=[50, 100])
    received: list[Envelope] = []
    arrived = threading.Event()
    bus.subscribe("tests", ["book.summarized"], lambda env: (received.append(env), arrived.set()))
    settings = Settings(_env_file=None, data_dir=tmp_path, service_urls={"catalog": catalog.url},
                        instance="standalone")
    app = create_app(settings, bus=bus)
    with TestClient(app) as client:
        bus.start()
        assert client.get("/readyz").status_code == 200
        bus.publish([Envelope.wrap(BookCreated(book_id=50, title="T", author="A",
                                               price=Decimal("1.00"), pdf_key="k50"),
                                   producer="catalog")])
        assert arrived.wait(15), "no book.summarized arrived"
        time.sleep(0.2)
        assert client.get("/books/50/summary").status_code == 404, "ai serves nothing public"
    bus.stop()
    [event] = received
    result = event.payload()
    assert (result.book_id, result.pdf_key, result.status, result.provider) == \
        (50, "k50", "ready", "offline")
    assert "QXSOLO" in result.summary and "QXDUO" in result.summary
    assert (tmp_path / "standalone_ai.sqlite").exists()
