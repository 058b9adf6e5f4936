"""A minute of `make soak` in the suite: orders from many users on MySQL + RabbitMQ with second
replicas of inventory, order and notification, while the chaos loop injects every kind of fault
once (SIGKILL + restart, broker connections closed, MySQL connections killed, a process paused
for 10 s, the broker restarted). Nothing may be lost, doubled or left stuck, and each owner's
socket must have told it (or its re-fetch after a reconnect found) each order's final status."""
from __future__ import annotations

import pytest

from bench.soak.chaos import KINDS
from bench.soak.report import render
from bench.soak.run import run_soak
from bench.soak.stats import recoveries


@pytest.mark.timeout(600)
def test_a_minute_of_orders_under_every_kind_of_fault_loses_doubles_and_strands_nothing(
        infra, new_instance, tmp_path):
    soak = run_soak(infra, minutes=1, rate=5, users=12, seed=19, every=(4.0, 5.0),
                    instance=new_instance(), log_dir=str(tmp_path))
    report = render(soak)
    v = soak.verdict
    assert v.problems == [], report
    assert not soak.chaos.errors, report
    assert {f.kind for f in soak.chaos.faults} == set(KINDS), report
    # what was checked: real orders went through, some were cancelled or refused, emails went out
    assert v.by_status["DELIVERED"] > 100 and v.by_status["CANCELLED"] > 0, report
    assert v.checked["purchase emails"] >= v.by_status["DELIVERED"], report
    assert v.checked["final statuses on sockets"] == v.orders, report
    # after every fault, orders were fast again before the run ended
    assert all(r.seconds is not None for r in recoveries(soak)), report
    assert "0 lost, 0 doubled, 0 stuck, 0 misdelivered" in report
