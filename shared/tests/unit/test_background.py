"""Background loops: woken by commits (not rollbacks), backing off while a step fails, stopping
promptly however many threads wait."""
from __future__ import annotations

import threading
import time
from itertools import pairwise

from bookstore_shared.background import BackgroundLoop, CommitSignal
from bookstore_testing import wait_for
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker


def test_a_commit_that_marked_the_signal_wakes_a_waiting_loop_and_a_rollback_does_not():
    sessions = sessionmaker(create_engine("sqlite://"))
    signal = CommitSignal("test_work")
    signal.watch(sessions)
    steps: list[float] = []

    def step() -> float:
        steps.append(time.monotonic())
        return 30.0  # only a wake-up brings the next step

    loop = BackgroundLoop("test-loop", step, signal=signal)
    loop.start()
    try:
        wait_for(lambda: len(steps) == 1)
        with sessions() as session:
            session.execute(text("SELECT 1"))
            signal.mark(session)
            session.rollback()
        time.sleep(0.3)
        assert len(steps) == 1
        with sessions() as session:
            session.execute(text("SELECT 1"))
            signal.mark(session)
            session.commit()
        wait_for(lambda: len(steps) == 2, timeout=2)
    finally:
        loop.stop()


def test_a_failing_step_backs_off_marks_the_loop_unhealthy_and_recovers():
    failures = iter([True, True, True])
    calls: list[float] = []
    seen_unhealthy = threading.Event()

    def step() -> float:
        calls.append(time.monotonic())
        if next(failures, False):
            raise ConnectionError("database down")
        return 30.0

    loop = BackgroundLoop("test-loop", step, signal=CommitSignal("unused"), backoff_s=0.05,
                          max_backoff_s=0.1)

    def watch() -> None:
        while len(calls) < 4:
            if not loop.healthy:
                seen_unhealthy.set()
            time.sleep(0.001)

    watcher = threading.Thread(target=watch)
    loop.start()
    watcher.start()
    try:
        wait_for(lambda: len(calls) == 4)
        watcher.join()
        assert seen_unhealthy.is_set() and loop.healthy
        gaps = [b - a for a, b in pairwise(calls)]
        assert gaps[0] >= 0.04 and gaps[1] >= 0.09 and gaps[2] >= 0.09  # 0.05, then capped 0.1
    finally:
        loop.stop()


def test_stop_ends_every_waiting_thread_at_once():
    loop = BackgroundLoop("test-loop", lambda: 60.0, signal=CommitSignal("unused"), threads=4)
    loop.start()
    time.sleep(0.2)
    assert loop.is_alive()
    started = time.monotonic()
    loop.stop()
    assert time.monotonic() - started < 2 and not loop.is_alive()
