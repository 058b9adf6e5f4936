"""Jobs: offline summaries, no-text PDFs, idempotency, cancellation, restarts, replicas."""
from __future__ import annotations

import time

import pytest
from ai_service.adapters.orm import summary_job
from ai_service.domain.text import split_sentences
from bookstore_testing.ai import book_pages, make_pdf, make_scanned_pdf
from sqlalchemy import select

pytestmark = pytest.mark.integration

MARKERS = ["QXALPHA", "QXBRAVO", "QXCHARLIE", "QXDELTA", "QXECHO", "QXFOXTROT"]


def jobs_of(running, book_id: int) -> list:
    with running.container.runtime.sessions() as session:
        return session.execute(select(summary_job).where(summary_job.c.book_id == book_id)
                               .order_by(summary_job.c.id)).all()


def test_without_a_key_the_offline_summarizer_covers_every_page(
        make_settings, probe_for, ev, catalog, openai_server):
    pages = book_pages(MARKERS)
    catalog.pdfs[2] = make_pdf(pages)
    settings = make_settings(online=False)
    probe = probe_for(settings)
    with ev.RunningAi(settings):
        probe.publish(ev.book_created(2, "pdf-2"))
        [event] = probe.wait_for("book.summarized", timeout=30)
    result = event.payload()
    assert (result.status, result.provider, result.model) == ("ready", "offline", "extractive-v1")
    assert all(marker in result.summary for marker in MARKERS)
    text = " ".join(" ".join(p.split()) for p in pages)
    assert all(sentence in text for sentence in split_sentences(result.summary))
    assert 0 < len(result.description) <= 300
    assert openai_server.requests == []


def test_a_scanned_pdf_is_reported_as_having_no_text(make_settings, probe_for, ev, catalog):
    catalog.pdfs[3] = make_scanned_pdf()
    settings = make_settings()
    probe = probe_for(settings)
    with ev.RunningAi(settings):
        probe.publish(ev.book_created(3, "pdf-3"))
        [event] = probe.wait_for("book.summarized", timeout=30)
    result = event.payload()
    assert (result.status, result.summary, result.description) == ("no_text", None, None)
    assert "no extractable text" in result.error


def test_an_unchanged_pdf_or_a_redelivered_event_queues_no_second_job(
        make_settings, probe_for, ev, catalog):
    catalog.pdfs[4] = make_pdf(book_pages(MARKERS[:2]))
    settings = make_settings(online=False)
    probe = probe_for(settings)
    with ev.RunningAi(settings) as running:
        [created] = probe.publish(ev.book_created(4, "pdf-4"))
        probe.wait_for("book.summarized", timeout=30)
        probe.publish(created)  # the broker redelivers the same event
        probe.publish(ev.book_updated(4, "pdf-4", changed=False))  # a price change
        probe.publish(ev.book_updated(4, None, changed=False), ev.book_created(5, None))
        probe.settle(1.5)
        assert len(jobs_of(running, 4)) == 1 and jobs_of(running, 5) == []
        probe.publish(ev.book_updated(4, "pdf-4b", changed=True))
        events = probe.wait_for("book.summarized", 2, timeout=30)
    assert [e.payload().pdf_key for e in events] == ["pdf-4", "pdf-4b"]


def test_a_book_gone_from_the_catalog_drops_its_job_without_an_event(
        make_settings, probe_for, ev, catalog):
    settings = make_settings(online=False)
    probe = probe_for(settings)
    with ev.RunningAi(settings) as running:
        probe.publish(ev.book_created(404, "pdf-x"))
        deadline = time.monotonic() + 15
        while [j.status for j in jobs_of(running, 404)] != ["dropped"]:
            assert time.monotonic() < deadline, jobs_of(running, 404)
            time.sleep(0.05)
        probe.settle(1.0)
    assert probe.of_type("book.summarized") == []


def test_deleting_the_book_cancels_a_running_job_and_discards_its_result(
        make_settings, probe_for, ev, catalog):
    catalog.pdfs[6] = make_pdf(book_pages(MARKERS[:2]))
    catalog.delay_s[6] = 1.5
    settings = make_settings(online=False)
    probe = probe_for(settings)
    with ev.RunningAi(settings) as running:
        probe.publish(ev.book_created(6, "pdf-6"))
        deadline = time.monotonic() + 10
        while 6 not in catalog.fetches:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        probe.publish(ev.book_deleted(6))
        time.sleep(2.5)
        probe.settle(1.0)
        assert [j.status for j in jobs_of(running, 6)] == ["cancelled"]
    assert probe.of_type("book.summarized") == []


def test_jobs_queued_before_a_restart_are_picked_up_when_the_service_starts(
        make_settings, probe_for, ev, catalog):
    catalog.pdfs[7] = make_pdf(book_pages(MARKERS[:3]))
    settings = make_settings(online=False, ai_poll_s=30)
    probe = probe_for(settings)
    first = ev.RunningAi(settings)
    first.container.runtime.prepare_database()
    with first.container.uow() as uow:  # as if the process died after queueing
        uow.jobs.enqueue(book_id=7, pdf_key="pdf-7")
        uow.commit()
    with ev.RunningAi(settings):
        [event] = probe.wait_for("book.summarized", timeout=15)
    assert (event.payload().book_id, event.payload().status) == (7, "ready")


def test_two_replicas_share_the_jobs_and_each_book_is_summarised_once(
        make_settings, probe_for, ev, catalog):
    books = list(range(20, 32))
    for book_id in books:
        catalog.pdfs[book_id] = make_pdf(book_pages([f"QXBOOK{chr(65 + book_id - 20)}"]))
        catalog.delay_s[book_id] = 0.1
    settings = make_settings(online=False, ai_workers=2)
    probe = probe_for(settings)
    with ev.RunningAi(settings), ev.RunningAi(settings):
        probe.publish(*[ev.book_created(b, f"pdf-{b}") for b in books])
        probe.wait_for("book.summarized", len(books), timeout=30)
        probe.settle(1.0)
    summarized = [e.payload().book_id for e in probe.of_type("book.summarized")]
    assert sorted(summarized) == books
    assert sorted(f for f in catalog.fetches if f in books) == books, "each PDF fetched once"
