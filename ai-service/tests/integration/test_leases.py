"""Leases: a crashed worker's job is taken over; a long job keeps its lease while it runs."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from ai_service.adapters.orm import summary_job
from bookstore_shared.events import utcnow
from bookstore_testing.ai import book_pages, make_pdf
from sqlalchemy import update

pytestmark = pytest.mark.integration


def test_a_job_left_running_by_a_crashed_worker_is_taken_over_when_its_lease_expires(
        make_settings, probe_for, ev, catalog):
    catalog.pdfs[40] = make_pdf(book_pages(["QXCRASH"]))
    settings = make_settings(online=False)
    probe = probe_for(settings)
    first = ev.RunningAi(settings)
    first.container.runtime.prepare_database()
    with first.container.uow() as uow:
        uow.jobs.enqueue(book_id=40, pdf_key="pdf-40")
        uow.commit()
        assert uow.jobs.claim(lease_s=60) is not None  # the worker that then died
        uow.session.execute(update(summary_job).where(summary_job.c.book_id == 40)
                            .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
        uow.commit()
    with ev.RunningAi(settings):
        [event] = probe.wait_for("book.summarized", timeout=15)
    assert (event.payload().book_id, event.payload().status) == (40, "ready")
    assert "QXCRASH" in event.payload().summary


def test_a_job_longer_than_its_lease_is_not_taken_over_by_another_replica(
        make_settings, probe_for, ev, catalog):
    catalog.pdfs[41] = make_pdf(book_pages(["QXSLOW"]))
    catalog.delay_s[41] = 3.0
    settings = make_settings(online=False, ai_job_lease_s=1.0, ai_poll_s=0.2)
    probe = probe_for(settings)
    with ev.RunningAi(settings), ev.RunningAi(settings):
        probe.publish(ev.book_created(41, "pdf-41"))
        probe.wait_for("book.summarized", timeout=20)
        time.sleep(1.0)
        probe.settle(0.5)
    assert [e.payload().book_id for e in probe.of_type("book.summarized")] == [41]
    assert catalog.fetches.count(41) == 1
