"""Failed logins are limited per account and per client address (429 with Retry-After)."""
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.integration
TOO_MANY = {"message": "Too many login attempts"}


@pytest.fixture
def limited(auth_app):
    """An auth app allowing 3 failures per account in 15 min and 5 per address in a minute."""
    return auth_app(BOOKSTORE_LOGIN_MAX_FAILURES_PER_ACCOUNT=3,
                    BOOKSTORE_LOGIN_MAX_FAILURES_PER_IP=5)


def _fail(app, ident: dict, ip: str = "203.0.113.7"):
    return app.post("/login", json={**ident, "password": "wrong-password"},
                    headers={"X-Forwarded-For": f"{ip}, 10.0.0.1"})


def test_an_account_is_locked_after_too_many_failures_even_for_the_right_password(limited, h):
    user = h.register(limited)
    for i in range(3):
        ident = {"email": user["email"]} if i % 2 else {"username": user["username"]}
        assert _fail(limited, ident, ip=f"198.51.100.{i}").status_code == 401
    r = limited.post("/login", json={"email": user["email"], "password": h.PASSWORD})
    assert (r.status_code, r.json()) == (429, TOO_MANY)
    assert 890 <= int(r.headers["Retry-After"]) <= 900
    assert "set-cookie" not in r.headers
    rows = h.sql(limited, "SELECT COUNT(*) FROM login_failure WHERE account_key=:k",
                 k=f"user:{user['user_id']}")
    assert rows[0][0] == 3


def _old_failures(app, h, user, seconds_ago: float, count: int = 3) -> None:
    at = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    for _ in range(count):
        h.sql(app, "INSERT INTO login_failure (account_key, client_address, failed_at) "
                   "VALUES (:k, '192.0.2.200', :at)", k=f"user:{user['user_id']}", at=at)


def test_the_lock_lifts_when_the_failures_leave_the_window(auth_app, h):
    app = auth_app(BOOKSTORE_LOGIN_MAX_FAILURES_PER_ACCOUNT=3, BOOKSTORE_LOGIN_ACCOUNT_WINDOW_S=30)
    user = h.register(app)
    _old_failures(app, h, user, seconds_ago=31)
    h.login(app, user)  # failures older than the window do not count
    _old_failures(app, h, user, seconds_ago=20)
    r = app.post("/login", json={"email": user["email"], "password": h.PASSWORD})
    assert (r.status_code, r.json()) == (429, TOO_MANY)
    # Retry-After says when the oldest of those failures leaves the 30 s window.
    assert 1 <= int(r.headers["Retry-After"]) <= 10


def test_unknown_accounts_are_limited_like_known_ones(limited):
    for _ in range(3):
        assert _fail(limited, {"username": "ghost-user"}, ip="192.0.2.1").status_code == 401
    r = _fail(limited, {"username": "Ghost-User"}, ip="192.0.2.2")
    assert (r.status_code, r.json()) == (429, TOO_MANY)


def test_one_client_address_is_limited_across_accounts(limited, h):
    for i in range(5):
        assert _fail(limited, {"username": f"victim{i}"}, ip="203.0.113.99").status_code == 401
    r = _fail(limited, {"username": "victim-next"}, ip="203.0.113.99")
    assert (r.status_code, r.json()) == (429, TOO_MANY)
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # Another address is not affected.
    assert _fail(limited, {"username": "victim-next"}, ip="203.0.113.100").status_code == 401


def test_successful_logins_are_not_counted(limited, h):
    user = h.register(limited)
    for _ in range(8):
        h.login(limited, user, headers={"X-Forwarded-For": "203.0.113.50"})
    assert h.sql(limited, "SELECT COUNT(*) FROM login_failure")[0][0] == 0


def test_replicas_share_the_failure_count(auth_app, new_instance, h):
    instance = new_instance()
    a = auth_app(instance=instance, BOOKSTORE_LOGIN_MAX_FAILURES_PER_ACCOUNT=2)
    b = auth_app(instance=instance, BOOKSTORE_LOGIN_MAX_FAILURES_PER_ACCOUNT=2)
    user = h.register(a)
    assert _fail(a, {"username": user["username"]}).status_code == 401
    assert _fail(b, {"username": user["username"]}).status_code == 401
    assert _fail(a, {"username": user["username"]}).status_code == 429


def test_the_default_limits_are_those_of_the_contract(h, infra):
    settings = h.make_settings(infra, "unused")
    assert (settings.login_max_failures_per_account, settings.login_account_window_s) == (10, 900)
    assert (settings.login_max_failures_per_ip, settings.login_ip_window_s) == (100, 60)
