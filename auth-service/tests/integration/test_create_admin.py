"""The first admin needs no token; racing bootstraps cannot both pass; later admins need an admin."""
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

pytestmark = pytest.mark.integration
EXISTS = {"message": "Admin account already exists"}


def _admin_body(h, name=None) -> dict:
    name = name or h.unique_name("adm")
    return {"username": name, "email": f"{name}@example.com", "password": h.PASSWORD}


@pytest.mark.parametrize("prefix", ["", "/api"])
def test_the_first_admin_is_created_without_a_token_and_the_second_is_refused(auth_app, h,
                                                                              prefix):
    app = auth_app()
    body = _admin_body(h)
    r = app.post(f"{prefix}/create_admin", json=body)
    assert r.status_code == 201
    assert r.json() == {"message": "Admin account created successfully",
                        "user_id": r.json()["user_id"]}
    second = app.post(f"{prefix}/create_admin", json=_admin_body(h))
    assert (second.status_code, second.json()) == (400, EXISTS)
    tokens = h.login(app, {**body, "user_id": r.json()["user_id"]}, prefix=prefix)
    me = app.get(f"{prefix}/users/me", headers=h.bearer(tokens["access_token"])).json()
    assert me["is_admin"] is True and me["username"] == body["username"]


def test_an_admin_may_create_more_admins_but_a_normal_user_may_not(auth_app, h):
    app = auth_app()
    first = _admin_body(h)
    assert app.post("/create_admin", json=first).status_code == 201
    admin = h.login(app, first, by="username")
    r = app.post("/create_admin", json=_admin_body(h), headers=h.bearer(admin["access_token"]))
    assert r.status_code == 201 and r.json()["message"] == "Admin account created successfully"
    user = h.login(app, h.register(app))
    refused = app.post("/create_admin", json=_admin_body(h), headers=h.bearer(user["access_token"]))
    assert (refused.status_code, refused.json()) == (400, EXISTS)
    assert h.sql(app, "SELECT COUNT(*) FROM user WHERE is_admin")[0][0] == 2


def test_a_logged_out_admin_token_cannot_create_admins(auth_app, h):
    app = auth_app()
    first = _admin_body(h)
    app.post("/create_admin", json=first)
    admin = h.login(app, first, by="username")
    app.get("/logout", headers=h.bearer(admin["access_token"]))
    r = app.post("/create_admin", json=_admin_body(h), headers=h.bearer(admin["access_token"]))
    assert (r.status_code, r.json()) == (400, EXISTS)


def test_an_invalid_first_admin_is_refused_and_does_not_use_up_the_bootstrap(auth_app, h):
    app = auth_app()
    bad = app.post("/create_admin", json={**_admin_body(h), "password": "short"})
    assert (bad.status_code, bad.json()) == (400, {
        "message": "Error registering user",
        "error": "Password must be at least 8 characters long"})
    assert app.post("/create_admin", json=_admin_body(h)).status_code == 201


def test_the_first_admin_clashing_with_an_existing_user_is_refused_cleanly(auth_app, h):
    app = auth_app()
    user = h.register(app)
    r = app.post("/create_admin", json=_admin_body(h, user["username"]))
    assert (r.status_code, r.json()) == (400, {"message": "Error registering user",
                                               "error": "Username already taken"})
    assert h.sql(app, "SELECT COUNT(*) FROM admin_bootstrap")[0][0] == 0


def test_fifty_concurrent_first_admin_calls_create_exactly_one_admin(auth_app, h):
    app = auth_app()
    bodies = [_admin_body(h) for _ in range(50)]
    with (h.served(app.app) as url, httpx.Client(base_url=url, timeout=60) as http,
          ThreadPoolExecutor(max_workers=50) as pool):
        answers = list(pool.map(lambda b: http.post("/create_admin", json=b), bodies))
    created = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code != 201]
    assert len(created) == 1
    assert all((a.status_code, a.json()) == (400, EXISTS) for a in refused)
    assert h.sql(app, "SELECT COUNT(*) FROM user WHERE is_admin")[0][0] == 1
    assert h.sql(app, "SELECT COUNT(*) FROM user")[0][0] == 1
    assert h.sql(app, "SELECT user_id FROM admin_bootstrap")[0][0] == created[0].json()["user_id"]


def test_the_database_alone_stops_racing_bootstraps_that_all_passed_the_precheck(
        auth_app, h, monkeypatch):
    from auth_service.service_layer import accounts
    app = auth_app()
    # Every caller believes no admin exists yet: only the singleton row's key can stop them.
    monkeypatch.setattr(accounts, "first_admin_exists", lambda **_: False)
    bodies = [_admin_body(h) for _ in range(20)]
    with (h.served(app.app) as url, httpx.Client(base_url=url, timeout=60) as http,
          ThreadPoolExecutor(max_workers=20) as pool):
        answers = list(pool.map(lambda b: http.post("/create_admin", json=b), bodies))
    assert sorted(a.status_code for a in answers) == [201] + [400] * 19
    assert all(a.json() == EXISTS for a in answers if a.status_code == 400)
    assert h.sql(app, "SELECT COUNT(*) FROM user WHERE is_admin")[0][0] == 1


def test_with_a_bootstrap_token_configured_the_first_admin_needs_it(auth_app, h):
    app = auth_app(BOOKSTORE_BOOTSTRAP_ADMIN_TOKEN="bootstrap-" + "x" * 20)
    for headers in ({}, {"X-Bootstrap-Token": "bootstrap-wrong-token-value"}):
        r = app.post("/create_admin", json=_admin_body(h), headers=headers)
        assert r.status_code == 401, r.text
        assert r.json()["message"] == "Bootstrap token required"
    first = app.post("/create_admin", json=_admin_body(h),
                     headers={"X-Bootstrap-Token": "bootstrap-" + "x" * 20})
    assert first.status_code == 201
    again = app.post("/create_admin", json=_admin_body(h),
                     headers={"X-Bootstrap-Token": "bootstrap-" + "x" * 20})
    assert (again.status_code, again.json()) == (400, EXISTS)
