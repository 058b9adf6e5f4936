"""Sliding-window math of the failed-login limits (pure)."""
from auth_service.domain.ratelimit import Window, retry_after, strictest

TEN_IN_15_MIN = Window(limit=10, seconds=900)


def test_attempts_below_the_limit_are_allowed():
    assert retry_after([100.0] * 9, window=TEN_IN_15_MIN, now=200.0) is None


def test_the_attempt_after_ten_failures_waits_until_the_oldest_leaves_the_window():
    failures = [100.0 + i for i in range(10)]
    assert retry_after(failures, window=TEN_IN_15_MIN, now=200.0) == 800  # 100 + 900 - 200


def test_with_more_failures_than_the_limit_the_wait_is_for_enough_of_them_to_expire():
    failures = [0.0, 10.0, 20.0] + [500.0] * 10
    # 13 failures, limit 10: four must leave; the fourth-oldest is at 500.
    assert retry_after(failures, window=TEN_IN_15_MIN, now=600.0) == 800


def test_failures_outside_the_window_do_not_count():
    failures = [0.0] * 50 + [950.0] * 9
    assert retry_after(failures, window=TEN_IN_15_MIN, now=1000.0) is None


def test_failures_in_the_future_are_ignored():
    assert retry_after([2000.0] * 20, window=TEN_IN_15_MIN, now=1000.0) is None


def test_the_wait_is_at_least_one_second_and_rounds_up():
    assert retry_after([100.0] * 10, window=Window(10, 60), now=159.9) == 1
    assert retry_after([100.0] * 10, window=Window(10, 60), now=120.5) == 40


def test_the_strictest_of_several_limits_wins():
    assert strictest(None, 5, 30) == 30
    assert strictest(None, None) is None
