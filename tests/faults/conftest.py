"""Fault suites: each destructive suite runs its own whole system; the figures they collect are
written to docs/RELIABILITY.md when the session ends (only when every suite ran)."""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from bookstore_testing.mail import SmtpSink

from ..conftest import RunningSystem, own_system
from .report import SUITES, Figures, suite_of, write_report

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
_FIGURES: dict[str, Figures] = {}


@pytest.fixture(scope="module")
def figures(request) -> Iterator[Figures]:
    """This suite's figures (cases, faults injected/survived, items lost), timed from its start."""
    stem = suite_of(Path(str(request.module.__file__)).stem)
    fig = _FIGURES.setdefault(stem, Figures(suite=stem, **SUITES[stem]))
    started = time.monotonic()
    yield fig
    fig.seconds += time.monotonic() - started


def pytest_runtest_logreport(report) -> None:
    """A suite with a failing test is reported as failed."""
    stem = suite_of(Path(report.fspath).stem)
    if report.failed and stem is not None:
        _FIGURES.setdefault(stem, Figures(suite=stem, **SUITES[stem])).failed += 1


def pytest_sessionfinish(session, exitstatus) -> None:
    """Write docs/RELIABILITY.md from this run's figures when every fault suite ran."""
    target = os.environ.get("BOOKSTORE_RELIABILITY_DOC")
    ran = [f for f in _FIGURES.values() if f.seconds > 0]
    if not ran:
        return
    if target is None:
        if len(ran) < len(SUITES):
            return
        target = str(ROOT / "docs" / "RELIABILITY.md")
    write_report(Path(target), [_FIGURES[s] for s in SUITES if s in _FIGURES])


@pytest.fixture(scope="package")
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on 127.0.0.1 receiving the fault system's mail."""
    sink = SmtpSink()
    yield sink
    sink.stop()


@pytest.fixture(scope="package")
def system(infra, new_instance, tmp_path_factory, smtp) -> Iterator[RunningSystem]:
    """The fault suites' own whole system (not the e2e one): they break it in turn, and each
    suite leaves it recovered; a suite finding a dead process restarts it (and fails)."""
    with own_system(infra, new_instance, tmp_path_factory, "faults", timeout=15,
                    BOOKSTORE_SMTP_HOST="127.0.0.1", BOOKSTORE_SMTP_PORT=str(smtp.port),
                    # a killed sender's email is sent again within seconds, retries stay short;
                    # enough of them to outlast a killed catalog's restart (the PDF comes from
                    # it) on a busy machine: 60 attempts, 2 s apart, is two minutes
                    BOOKSTORE_MAIL_LEASE_S="3", BOOKSTORE_MAIL_RETRY_MAX_S="2",
                    BOOKSTORE_MAIL_MAX_ATTEMPTS="60") as s:
        yield s


@pytest.fixture(scope="module", autouse=True)
def alive_at_start_and_end(request, figures) -> Iterator[None]:
    """Every service process runs when a suite starts and is still running when it ends."""
    if "system" not in request.fixturenames:
        yield
        return
    system = request.getfixturevalue("system")
    revive(system)
    yield
    dead = revive(system)
    assert not dead, f"service processes died during {figures.title}: {dead}"


def revive(system: RunningSystem) -> list[str]:
    """Restart dead service processes; returns their names."""
    from .helpers import restart

    dead = [n for n, p in list(system.procs.procs.items()) if p.poll() is not None]
    for name in dead:
        system.procs.procs.pop(name)
        restart(system, name)
    return dead


