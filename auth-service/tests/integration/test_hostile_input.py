"""Bad input and forged tokens get a 4xx JSON answer, never a 500."""
import base64
import json
import time

import pytest
from auth_service.adapters.keys import SigningKey
from jose import jwt

pytestmark = pytest.mark.integration
ENDPOINTS = ["/register", "/login", "/token/refresh", "/create_admin"]


def _is_json_4xx(r) -> bool:
    return 400 <= r.status_code < 500 and isinstance(r.json().get("message"), str)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("raw", [b"{bad json", b"", b"null", b"[1, 2]", b'"text"', b"\xff\xfe",
                                 b'{"username": {"$gt": ""}, "password": ["x"]}',
                                 b'{"email": null, "username": null, "password": null}'])
def test_malformed_or_mistyped_bodies_are_400_json(client, path, raw):
    r = client.post(path, content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert isinstance(r.json()["message"], str)
    assert "Traceback" not in r.text and "sqlalchemy" not in r.text.lower()


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_two_megabyte_body_is_refused_with_413(client, path):
    huge = json.dumps({"username": "x" * 2_000_000, "password": "y"}).encode()
    r = client.post(path, content=huge, headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()["message"]) == (413, "Payload too large")


def test_a_large_body_without_content_length_is_refused_too(client):
    def chunks():
        for _ in range(64):
            yield b"x" * 32_768
    r = client.post("/login", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["message"] == "Payload too large"


@pytest.mark.parametrize("field,value", [("username", "' OR 1=1 --"),
                                         ("username", "admin'; DROP TABLE user; --"),
                                         ("email", "' OR '1'='1@example.com")])
def test_sql_ish_strings_are_plain_data(client, h, field, value):
    users_before = h.sql(client, "SELECT COUNT(*) FROM user")[0][0]
    r = client.post("/register", json={"username": h.unique_name(), "email": "q@example.com",
                                       "password": h.PASSWORD, field: value})
    assert r.status_code == 400 and r.json()["message"] == "Error registering user"
    login = client.post("/login", json={field: value, "password": "' OR 1=1 --"})
    assert (login.status_code, login.json()) == (401, {"message": "Invalid username or password"})
    assert h.sql(client, "SELECT COUNT(*) FROM user")[0][0] == users_before


def _claims(client, h) -> dict:
    user = h.register(client)
    tokens = h.login(client, user)
    return jwt.get_unverified_claims(tokens["access_token"]) | {"adm": True}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _forgeries(client, h) -> dict[str, str]:
    real = client.app.state.container.auth.key
    claims = _claims(client, h)
    other = SigningKey.generate()
    public_pem = _public_pem(real)
    now = int(time.time())
    return {
        "another RSA key, same kid": jwt.encode(claims, other.private_pem, algorithm="RS256",
                                                headers={"kid": real.kid}),
        "another RSA key, its kid": other.sign(claims),
        "expired": real.sign(claims | {"iat": now - 7200, "exp": now - 3600}),
        "alg none": f"{_b64({'alg': 'none', 'kid': real.kid})}.{_b64(claims)}.",
        "HS256 with the public key": _hs256(claims, public_pem, real.kid),
        "wrong audience": real.sign(claims | {"aud": "elsewhere"}),
        "wrong issuer": real.sign(claims | {"iss": "someone"}),
        "unknown session": real.sign(claims | {"sid": "00000000-0000-0000-0000-000000000000"}),
        "garbage": "abc.def.ghi",
        "not a jwt": "' OR 1=1 --",
    }


def _public_pem(key: SigningKey) -> str:
    from cryptography.hazmat.primitives import serialization
    private = serialization.load_pem_private_key(key.private_pem.encode(), password=None)
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _hs256(claims: dict, secret: str, kid: str) -> str:
    """Signed by hand: python-jose itself refuses a PEM as an HMAC secret."""
    import hashlib
    import hmac
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}"
    sig = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(sig).rstrip(b'=').decode()}"


def test_forged_expired_and_unsigned_tokens_are_refused_everywhere(client, h):
    for name, token in _forgeries(client, h).items():
        for method, path in [("GET", "/users/me"), ("GET", "/logout")]:
            r = client.request(method, path, headers=h.bearer(token))
            assert (r.status_code, r.json()) == (401, {"message": "Invalid or expired token"}), name
        r = client.post("/token/refresh", json={"refresh_token": token})
        assert r.status_code == 401, name
        r = client.get("/users/me", cookies={"access_token": token})
        client.cookies.clear()
        assert r.status_code == 401, name


def test_a_forged_admin_token_cannot_create_admins(auth_app, h):
    app = auth_app()
    first = {"username": h.unique_name(), "password": h.PASSWORD}
    first["email"] = f"{first['username']}@example.com"
    assert app.post("/create_admin", json=first).status_code == 201
    for name, token in _forgeries(app, h).items():
        r = app.post("/create_admin", headers=h.bearer(token), json={
            "username": h.unique_name(), "email": f"{h.unique_name()}@example.com",
            "password": h.PASSWORD})
        assert (r.status_code, r.json()) == (400, {"message": "Admin account already exists"}), name
    assert h.sql(app, "SELECT COUNT(*) FROM user WHERE is_admin")[0][0] == 1


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic abc", "Bearer a.b", "bearer ..."])
def test_odd_authorization_headers_are_401(client, header):
    r = client.get("/users/me", headers={"Authorization": header})
    assert r.status_code == 401 and _is_json_4xx(r)


def test_unknown_routes_and_wrong_methods_are_json(client):
    assert client.get("/nope").json() == {"message": "Not found"}
    r = client.post("/logout")
    assert r.status_code == 405 and r.json() == {"message": "Method not allowed"}
