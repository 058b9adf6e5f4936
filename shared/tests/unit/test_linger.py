"""When a consumer's batch waits for more deliveries (bookstore_shared.bus.linger)."""
from __future__ import annotations

from bookstore_shared.bus.linger import Linger

BATCH = 64


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def receiving(linger: Linger, clock: Clock, per_second: int, seconds: float = 1.0) -> None:
    """Deliveries one at a time at a steady rate."""
    for _ in range(int(per_second * seconds)):
        clock.now += 1 / per_second
        linger.arrived(1)


def test_a_quiet_queue_never_waits():
    clock = Clock()
    linger = Linger(0.02, clock=clock)
    assert not linger.worth_waiting(1, BATCH)  # the first delivery after start
    receiving(linger, clock, per_second=20, seconds=3)
    assert not linger.worth_waiting(1, BATCH)  # 20/s: another is 50 ms away, more than 20


def test_a_busy_queue_waits_until_the_batch_is_full_and_stops_when_load_stops():
    clock = Clock()
    linger = Linger(0.02, clock=clock)
    receiving(linger, clock, per_second=200, seconds=2.1)
    assert linger.worth_waiting(1, BATCH)
    assert linger.worth_waiting(BATCH - 1, BATCH)
    assert not linger.worth_waiting(BATCH, BATCH)  # full: nothing to wait for
    assert not linger.worth_waiting(0, BATCH)  # nothing to apply
    clock.now += 5  # a quiet spell: the next delivery is handled at once
    linger.arrived(1)
    assert not linger.worth_waiting(1, BATCH)


def test_the_threshold_is_one_delivery_per_linger():
    for per_second, waits in ((49, False), (51, True)):
        clock = Clock()
        linger = Linger(0.02, clock=clock)
        receiving(linger, clock, per_second=per_second, seconds=2.5)
        assert linger.worth_waiting(1, BATCH) is waits, per_second


def test_zero_turns_it_off():
    clock = Clock()
    linger = Linger(0, clock=clock)
    receiving(linger, clock, per_second=1000, seconds=2.5)
    assert not linger.worth_waiting(1, BATCH)
