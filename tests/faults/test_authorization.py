"""Every public endpoint × {anonymous, user, another user, admin, revoked, expired, tampered token,
two credentials at once} → the expected status, as one table; and every /internal route on its
service's own port × {no credential, user and admin tokens, a wrong service credential, the
service credential}."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid

import httpx
import pytest
from bookstore_shared.internal import INTERNAL_HEADER
from bookstore_shared.launcher import settings_from, wait_ready
from bookstore_testing import free_port_base

from ..e2e.test_books import make_pdf
from .helpers import add_book, first_admin, internal, new_user, order_status, wait_for

WHO = ["anonymous", "user", "other", "admin", "revoked", "expired", "tampered",
       "two headers", "two cookies", "header and cookie"]
# A request carrying more than one credential is refused everywhere, public routes included
# (CONTRACT.md, "Credentials"): before, the gateway checked one and the service the other.
AMBIGUOUS = {"two headers": 401, "two cookies": 401, "header and cookie": 401}
BAD = {"anonymous": 401, "revoked": 401, "expired": 401, "tampered": 401}
ADMIN_ONLY = {**BAD, "user": 403, "other": 403}
SIGNED_IN = {**BAD, "user": 200, "other": 200, "admin": 200}
# A logged-out token is refused everywhere (CONTRACT.md), public routes included; public routes
# do not read any other token, so an expired or forged one is simply not used there.
PUBLIC = {**dict.fromkeys(WHO, 200), "revoked": 401}
READY_OR_PENDING = (200, 202)

# (name, method, path, request kwargs, expected status per caller)
TABLE = [
    ("users/me", "GET", "/users/me", {}, SIGNED_IN),
    ("logout", "GET", "/logout", {}, BAD),  # valid callers are not logged out here
    ("books list", "GET", "/books", {}, PUBLIC),
    ("book read", "GET", "/books/{book}", {}, PUBLIC),
    ("book create", "POST", "/books", {"form": True}, {**ADMIN_ONLY, "admin": 201}),
    ("book update", "PATCH", "/books/{book}", {"data": {"stock": "500"}},
     {**ADMIN_ONLY, "admin": 200}),
    ("book delete", "DELETE", "/books/{spare}", {}, {**ADMIN_ONLY, "admin": 200}),
    ("summary read", "GET", "/books/{book}/summary", {},
     {**BAD, "user": READY_OR_PENDING, "other": READY_OR_PENDING, "admin": READY_OR_PENDING}),
    ("summary regenerate", "POST", "/books/{book}/summary", {}, {**ADMIN_ONLY, "admin": 202}),
    ("description read", "GET", "/books/{book}/description", {},
     {**BAD, "user": READY_OR_PENDING, "other": READY_OR_PENDING, "admin": READY_OR_PENDING}),
    ("description regenerate", "POST", "/books/{book}/description", {},
     {**ADMIN_ONLY, "admin": 202}),
    ("pdf of a bought book", "GET", "/books/{book}/pdf", {},
     {**BAD, "user": 200, "other": 403, "admin": 200}),
    ("order place", "POST", "/orders", {"json": {"book_id": "{book}", "quantity": 1}},
     {**BAD, "user": 201, "other": 201, "admin": 201}),
    ("orders list", "GET", "/orders", {}, SIGNED_IN),
    ("order read", "GET", "/orders/{order}", {}, {**BAD, "user": 200, "other": 403, "admin": 200}),
    ("order cancel (delivered)", "POST", "/orders/{order}/cancel", {},
     {**BAD, "user": 400, "other": 403, "admin": 400}),
    ("broadcast", "POST", "/notify", {"json": {"message": "matrix"}}, {**ADMIN_ONLY, "admin": 200}),
    ("emails list", "GET", "/notify/emails", {}, {**ADMIN_ONLY, "admin": 200}),
    ("create admin (one exists)", "POST", "/create_admin", {"admin_body": True},
     {**dict.fromkeys(WHO, 400), "admin": 201, "revoked": 401}),
]
ROWS = [pytest.param(row, who, id=f"{row[0]}-{who}") for row in TABLE for who in WHO
        if who in {**row[4], **AMBIGUOUS}]
REFUSALS = {"Authentication required", "Admin access required", "Unauthorized",
            "Invalid or expired token", "Purchase required", "Ambiguous credentials"}
# (service, path): every /internal route, asked on the service's own port.
INTERNAL = [("catalog", "/internal/books/{book}"), ("catalog", "/internal/books/{book}/pdf"),
            ("auth", "/internal/revoked-sessions"), ("inventory", "/internal/stock/{book}"),
            ("inventory", "/internal/reservations/{order}"),
            ("shipping", "/internal/shipments/{order}")]
INTERNAL_CALLERS = ["anonymous", "user", "admin", "wrong credential", "service"]


def _expired_token(system) -> str:
    """A genuine token (signed with the system's key) from a second auth process whose access
    tokens live 2 s; returned once it has expired."""
    env = {**system.env, "BOOKSTORE_PORT_BASE": str(free_port_base()),
           "BOOKSTORE_ACCESS_TOKEN_TTL_S": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "auth_service.main"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = settings_from(env).service_url("auth")
        wait_ready(url, timeout=60)
        name = "exp" + uuid.uuid4().hex[:8]
        body = {"username": name, "email": f"{name}@example.com", "password": "expiring soon 1"}
        assert httpx.post(f"{url}/register", json=body).status_code == 201
        r = httpx.post(f"{url}/login", json={"email": body["email"], "password": body["password"]})
        token = r.json()["access_token"]
    finally:
        proc.terminate()
        proc.wait(15)
    time.sleep(3.0)
    return token


@pytest.fixture(scope="module")
def world(system) -> dict:
    """Callers' headers and the resources the table refers to."""
    admin, user, other, leaving = (first_admin(system), new_user(system), new_user(system),
                                   new_user(system))
    book = add_book(system, admin, stock=1000)
    order = system.client.post("/orders", headers=user, json={"book_id": book, "quantity": 1})
    order_id = order.json()["order_id"]
    wait_for(lambda: order_status(system.client, user, order_id)["status"] == "DELIVERED",
             what="the user's order to be delivered")
    assert system.client.get("/logout", headers=leaving).status_code == 200
    wait_for(lambda: system.client.get("/users/me", headers=leaving).status_code == 401,
             what="the revoked token to be refused")
    head, payload, signature = user["Authorization"].removeprefix("Bearer ").split(".")
    middle = len(signature) // 2
    flipped = signature[:middle] + ("A" if signature[middle] != "A" else "B") + \
        signature[middle + 1:]
    headers = {"anonymous": {}, "user": user, "other": other, "admin": admin, "revoked": leaving,
               "expired": {"Authorization": f"Bearer {_expired_token(system)}"},
               "tampered": {"Authorization": f"Bearer {head}.{payload}.{flipped}"}}
    revoked_token = leaving["Authorization"].removeprefix("Bearer ")
    user_token = user["Authorization"].removeprefix("Bearer ")
    headers.update({
        "two headers": [("Authorization", leaving["Authorization"]),
                        ("Authorization", user["Authorization"])],
        "two cookies": [("Cookie", f"access_token={revoked_token}"),
                        ("Cookie", f"access_token={user_token}")],
        "header and cookie": [("Authorization", other["Authorization"]),
                              ("Cookie", f"access_token={user_token}")]})
    spare = add_book(system, admin, stock=1)
    return {"headers": headers, "ids": {"book": book, "order": order_id, "spare": spare}}


@pytest.mark.parametrize("row,who", ROWS)
def test_each_endpoint_answers_each_caller_as_the_table_says(system, world, figures, row, who):
    _name, method, path, kwargs, expected = row
    expected = {**expected, **AMBIGUOUS}
    ids = world["ids"]
    kwargs = dict(kwargs)
    if kwargs.pop("form", False):
        kwargs.update(data={"title": "Matrix", "author": "A", "price": "1.00", "stock": "1"},
                      files={"pdf": ("m.pdf", make_pdf(1), "application/pdf")})
    if kwargs.pop("admin_body", False):
        tag = "adm" + uuid.uuid4().hex[:8]
        kwargs["json"] = {"username": tag, "email": f"{tag}@example.com", "password": "pw pw pw 1"}
    if "json" in kwargs and kwargs["json"].get("book_id") == "{book}":
        kwargs["json"] = {**kwargs["json"], "book_id": ids["book"]}
    r = system.client.request(method, path.format(**ids), headers=world["headers"][who], **kwargs)
    figures.cases += 1
    figures.items += 1
    wanted = expected[who] if isinstance(expected[who], tuple) else (expected[who],)
    assert r.status_code in wanted, f"{method} {path} as {who}: {r.status_code} {r.text[:200]}"
    assert r.headers["content-type"].startswith(("application/json", "application/pdf")), r.headers
    if r.status_code in (401, 403):
        assert r.json()["message"] in REFUSALS, r.text


@pytest.mark.parametrize("who", INTERNAL_CALLERS)
@pytest.mark.parametrize("service,path", INTERNAL, ids=[f"{s}{p}" for s, p in INTERNAL])
def test_internal_routes_answer_only_the_service_credential_on_the_service_port(
        system, world, figures, service, path, who):
    headers = {"anonymous": {}, "user": world["headers"]["user"],
               "admin": world["headers"]["admin"],
               "wrong credential": {INTERNAL_HEADER: "x" * 43},
               "service": internal(system)}[who]
    url = system.service_url(service) + path.format(**world["ids"])
    r = httpx.get(url, headers=headers, timeout=10)
    figures.cases += 1
    figures.items += 1
    if who == "service":
        assert r.status_code == 200, (url, r.status_code, r.text[:200])
        return
    assert r.status_code == 401, (url, who, r.status_code, r.text[:200])
    assert r.json()["message"] == "Authentication required"
