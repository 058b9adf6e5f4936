"""Logout revokes the session; refresh tokens rotate and a reused one revokes the session."""
import orjson
import pytest
from bookstore_shared.internal import internal_headers
from jose import jwt

pytestmark = pytest.mark.integration


def _revoked_events(client, h) -> list[dict]:
    rows = h.sql(client, "SELECT body FROM outbox WHERE event_type='auth.session_revoked'")
    return [orjson.loads(r[0]) for r in rows]


@pytest.mark.parametrize("prefix", ["", "/api"])
def test_logout_rejects_the_same_access_token_and_its_refresh_token(client, h, prefix):
    tokens = h.login(client, h.register(client))
    r = client.get(f"{prefix}/logout", headers=h.bearer(tokens["access_token"]))
    assert (r.status_code, r.json()) == (200, {"message": "Logged out successfully"})
    me = client.get(f"{prefix}/users/me", headers=h.bearer(tokens["access_token"]))
    assert (me.status_code, me.json()) == (401, {"message": "Invalid or expired token"})
    again = client.get(f"{prefix}/logout", headers=h.bearer(tokens["access_token"]))
    assert again.status_code == 401
    refreshed = client.post(f"{prefix}/token/refresh",
                            json={"refresh_token": tokens["refresh_token"]})
    assert (refreshed.status_code, refreshed.json()) == (
        401, {"message": "Invalid or expired refresh token"})


def test_logout_clears_the_cookie_and_the_cookie_session_is_dead(client, h):
    user = h.register(client)
    assert client.post("/login", json={"email": user["email"],
                                       "password": h.PASSWORD}).status_code == 200
    stale = client.cookies.get("access_token")
    r = client.get("/logout")
    assert r.status_code == 200
    assert 'access_token=""' in r.headers["set-cookie"] and "Max-Age=0" in r.headers["set-cookie"]
    client.cookies.clear()
    assert client.get("/users/me", cookies={"access_token": stale}).status_code == 401


def test_logout_without_a_token_is_401(client):
    r = client.get("/logout")
    assert (r.status_code, r.json()) == (401, {"message": "Authentication required"})


def test_logout_publishes_session_revoked_until_the_access_token_expires(client, h):
    user = h.register(client)
    tokens = h.login(client, user)
    claims = jwt.get_unverified_claims(tokens["access_token"])
    assert client.get("/logout", headers=h.bearer(tokens["access_token"])).status_code == 200
    (event,) = [e for e in _revoked_events(client, h) if e["data"]["session_id"] == claims["sid"]]
    assert event["data"]["user_id"] == user["user_id"]
    from datetime import datetime
    assert datetime.fromisoformat(event["data"]["expires_at"]).timestamp() == claims["exp"]


def test_the_internal_revoked_sessions_list_feeds_the_gateway(client, h):
    tokens = h.login(client, h.register(client))
    sid = jwt.get_unverified_claims(tokens["access_token"])["sid"]
    assert client.get("/internal/revoked-sessions").status_code == 401  # services only
    internal = internal_headers(client.app.state.container.settings)
    assert sid not in {s["session_id"] for s in client.get(
        "/internal/revoked-sessions", headers=internal).json()["sessions"]}
    client.get("/logout", headers=h.bearer(tokens["access_token"]))
    listed = {s["session_id"]: s for s in client.get("/internal/revoked-sessions",
                                                     headers=internal).json()["sessions"]}
    assert sid in listed and listed[sid]["expires_at"].startswith("20")
    assert client.get("/api/internal/revoked-sessions").status_code == 404
    assert not any("internal" in p for p in client.get("/openapi.json").json()["paths"])


@pytest.mark.parametrize("prefix", ["", "/api"])
def test_refresh_rotates_tokens_and_keeps_the_session(client, h, prefix):
    user = h.register(client)
    first = h.login(client, user)
    r = client.post(f"{prefix}/token/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.json()
    client.cookies.clear()
    assert set(second) == {"message", "access_token", "token_type", "refresh_token"}
    assert second["token_type"] == "bearer"
    assert second["refresh_token"] != first["refresh_token"]
    old, new = (jwt.get_unverified_claims(t["access_token"]) for t in (first, second))
    assert old["sid"] == new["sid"] and old["jti"] != new["jti"]
    me = client.get(f"{prefix}/users/me", headers=h.bearer(second["access_token"]))
    assert me.status_code == 200 and me.json()["id"] == user["user_id"]
    third = client.post(f"{prefix}/token/refresh", json={"refresh_token": second["refresh_token"]})
    assert third.status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_whole_session(client, h):
    first = h.login(client, h.register(client))
    second = client.post("/token/refresh", json={"refresh_token": first["refresh_token"]}).json()
    client.cookies.clear()
    reuse = client.post("/token/refresh", json={"refresh_token": first["refresh_token"]})
    assert (reuse.status_code, reuse.json()) == (401, {"message": "Invalid or expired refresh token"})
    # The thief's replay killed the legitimate holder's newer tokens too.
    assert client.get("/users/me", headers=h.bearer(second["access_token"])).status_code == 401
    assert client.post("/token/refresh",
                       json={"refresh_token": second["refresh_token"]}).status_code == 401
    sid = jwt.get_unverified_claims(second["access_token"])["sid"]
    assert [e["data"]["session_id"] for e in _revoked_events(client, h)].count(sid) == 1
    (reason,) = h.sql(client, "SELECT revoked_reason FROM user_session WHERE id=:s", s=sid)
    assert reason[0] == "refresh_reuse"


def test_an_access_token_is_not_a_refresh_token(client, h):
    tokens = h.login(client, h.register(client))
    r = client.post("/token/refresh", json={"refresh_token": tokens["access_token"]})
    assert r.status_code == 401


def test_logging_out_one_session_leaves_the_others_alive(client, h):
    user = h.register(client)
    a, b = h.login(client, user), h.login(client, user)
    client.get("/logout", headers=h.bearer(a["access_token"]))
    assert client.get("/users/me", headers=h.bearer(b["access_token"])).status_code == 200


def test_logins_clear_out_sessions_whose_refresh_token_expired(client, h, monkeypatch):
    from auth_service.service_layer import sessions

    user = h.register(client)
    dead = jwt.get_unverified_claims(h.login(client, user)["access_token"])["sid"]
    alive = jwt.get_unverified_claims(h.login(client, user)["access_token"])["sid"]
    h.sql(client, "UPDATE user_session SET access_expires_at = '2020-01-01', "
                  "refresh_expires_at = '2020-01-02' WHERE id = :sid", sid=dead)
    monkeypatch.setattr(sessions.random, "random", lambda: 0.0)  # this login purges
    newest = jwt.get_unverified_claims(h.login(client, user)["access_token"])["sid"]
    left = {r[0] for r in h.sql(client, "SELECT id FROM user_session WHERE id IN (:a, :b, :c)",
                                a=dead, b=alive, c=newest)}
    assert left == {alive, newest}

