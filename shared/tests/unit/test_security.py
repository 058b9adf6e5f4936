"""Access tokens checked on the event loop; the JWKS is fetched off the loop, and a failed fetch
is retried soon; verified tokens are cached without caching what may change (expiry, revocation,
the signing keys)."""
from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from bookstore_shared import security
from bookstore_shared.errors import install_error_handlers
from bookstore_shared.security import (
    CurrentUser,
    InvalidToken,
    JwksKeys,
    StaticKeys,
    TokenVerifier,
    UnknownSigningKey,
    serve_jwks_in_process,
)
from bookstore_testing import served
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jose import jwk, jwt


class Issuer:
    """Signs access tokens as the auth service does, with a key made for the test."""

    def __init__(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "k-" + uuid.uuid4().hex[:8]
        self.pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()
        public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
        self.jwks = {"keys": [{**jwk.construct(public, "RS256").to_dict(), "kid": self.kid}]}

    def token(self, user_id: int, *, kid: str | None = None, **claims) -> str:
        now = int(time.time())
        claims = {"iss": "bookstore-auth", "aud": "bookstore", "sub": str(user_id),
                  "name": f"user{user_id}", "adm": False, "sid": uuid.uuid4().hex,
                  "typ": "access", "iat": now, "exp": now + 600, **claims}
        return jwt.encode(claims, self.pem, algorithm="RS256", headers={"kid": kid or self.kid})


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


@contextmanager
def serving_jwks(issuer: Issuer, *, failures: int = 0) -> Iterator[tuple[str, list[str]]]:
    """Serves the issuer's JWKS (503 to the first `failures` fetches); the list records every
    fetch."""
    fetches: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            fetches.append(self.path)
            if len(fetches) <= failures:
                self.send_error(503)
                return
            body = json.dumps(issuer.jwks).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json", fetches
    finally:
        server.shutdown()


@pytest.fixture
def jwks_server(issuer) -> Iterator[tuple[str, list[str]]]:
    with serving_jwks(issuer) as served_keys:
        yield served_keys


def app_with(verifier: TokenVerifier) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.state.token_verifier = verifier

    @app.get("/me")
    async def me(user: CurrentUser):
        return {"user_id": user.user_id, "username": user.username}

    return TestClient(app)


def test_only_an_unknown_signing_key_needs_a_fetch(issuer, jwks_server):
    url, fetches = jwks_server
    keys = JwksKeys(url, min_refresh_s=60)
    verifier = TokenVerifier(keys)
    token = issuer.token(1)
    with pytest.raises(UnknownSigningKey):
        verifier.verify(token, may_fetch=False)
    assert fetches == []
    assert verifier.verify(token).user_id == 1
    assert verifier.verify(token, may_fetch=False).user_id == 1
    assert fetches == ["/.well-known/jwks.json"]
    # another unknown key right after a fetch is refused without asking again (rate limit)
    with pytest.raises(UnknownSigningKey):
        verifier.verify(issuer.token(1, kid="other"))
    assert len(fetches) == 1


def test_keys_served_in_this_process_are_used_without_a_fetch(issuer, jwks_server):
    """Standalone: the auth service in the same process hands its key set over directly."""
    url, fetches = jwks_server
    serve_jwks_in_process(url, issuer.jwks)
    verifier = TokenVerifier(JwksKeys(url))
    assert verifier.verify(issuer.token(3), may_fetch=False).user_id == 3
    assert fetches == []


def test_a_failed_fetch_does_not_refuse_the_tokens_after_it(issuer):
    """The auth service answering late (all services start together) delays, never poisons."""
    with serving_jwks(issuer, failures=1) as (url, fetches):
        verifier = TokenVerifier(JwksKeys(url, min_refresh_s=60, retry_after_failure_s=0.05))
        with pytest.raises(UnknownSigningKey):
            verifier.verify(issuer.token(1))
        time.sleep(0.1)
        assert verifier.verify(issuer.token(2)).user_id == 2
        assert len(fetches) == 2


def test_a_process_that_serves_its_own_key_set_verifies_concurrent_first_requests(issuer):
    """Standalone: one event loop both serves the JWKS and verifies tokens with it.

    First requests must never wait on the loop for a fetch that the same loop has to
    answer (it did: every token was refused for seconds after start).
    """
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/.well-known/jwks.json")
    async def jwks():
        await asyncio.sleep(0.3)  # a fetch in flight while the other requests arrive
        return issuer.jwks

    @app.get("/me")
    async def me(user: CurrentUser):
        return {"user_id": user.user_id}

    with served(app) as url:
        app.state.token_verifier = TokenVerifier(
            JwksKeys(url + "/.well-known/jwks.json", timeout_s=2))

        async def me_as(client: httpx.AsyncClient, user_id: int, *, after_s: float):
            await asyncio.sleep(after_s)  # the first one has started the fetch by then
            return await client.get("/me",
                                    headers={"Authorization": f"Bearer {issuer.token(user_id)}"})

        async def five_in_a_row():
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                return await asyncio.gather(*(me_as(client, n, after_s=0.1 * n) for n in range(5)))

        answers = asyncio.run(five_in_a_row())
    assert [(a.status_code, a.json()) for a in answers] == [
        (200, {"user_id": n}) for n in range(5)]


def test_requests_are_verified_with_one_fetch_of_the_key_set(issuer, jwks_server):
    url, fetches = jwks_server
    client = app_with(TokenVerifier(JwksKeys(url)))
    for user_id in (7, 8, 9):
        answer = client.get("/me", headers={"Authorization": f"Bearer {issuer.token(user_id)}"})
        assert (answer.status_code, answer.json()) == (200, {"user_id": user_id,
                                                             "username": f"user{user_id}"})
    assert len(fetches) == 1


def test_a_token_signed_by_another_key_is_refused(issuer):
    client = app_with(TokenVerifier(StaticKeys(issuer.jwks)))
    forged = Issuer().token(1, kid=issuer.kid)
    answer = client.get("/me", headers={"Authorization": f"Bearer {forged}"})
    assert (answer.status_code, answer.json()["message"]) == (401, "Invalid or expired token")
    answer = client.get("/me")
    assert (answer.status_code, answer.json()["message"]) == (401, "Authentication required")


# --- the cache of verified tokens ---------------------------------------------------------------

class Clock:
    """An injectable clock (seconds since the epoch), moved by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class MutableKeys:
    """A key source whose key set the test replaces, as a refetch of the JWKS does."""

    def __init__(self, jwks: dict) -> None:
        self.serve(jwks)

    def serve(self, jwks: dict) -> None:
        self.keys = {k["kid"]: dict(k) for k in jwks["keys"]}  # new objects, as a refetch makes

    def key_for(self, kid: str, *, may_fetch: bool = True) -> dict | None:
        return self.keys.get(kid)


@pytest.fixture
def decodes(monkeypatch) -> list[str]:
    """Every token whose signature is checked in full (jose's `jwt.decode`)."""
    seen: list[str] = []
    decode = jwt.decode

    def counting(token, *args, **kwargs):
        seen.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(security.jwt, "decode", counting)
    return seen


def test_a_token_presented_again_is_not_verified_again(issuer, decodes):
    verifier = TokenVerifier(StaticKeys(issuer.jwks))
    token = issuer.token(4)
    assert [verifier.verify(token).user_id for _ in range(3)] == [4, 4, 4]
    assert verifier.claims(token)["sub"] == "4"
    assert len(decodes) == 1
    verifier.claims(token)["sub"] = "5"  # what callers get is theirs to change
    assert verifier.verify(token).user_id == 4


def test_a_cached_token_past_its_exp_is_refused(issuer, decodes):
    clock = Clock()
    verifier = TokenVerifier(StaticKeys(issuer.jwks), clock=clock, trust_s=3600)
    exp = int(clock.now) + 600
    token = issuer.token(1, exp=exp)
    assert verifier.verify(token).user_id == 1
    clock.now = exp + 0.9  # jose accepts a token up to the end of its `exp` second: so does a hit
    assert verifier.verify(token).user_id == 1
    clock.now = exp + 1
    with pytest.raises(InvalidToken, match="invalid or expired token"):
        verifier.verify(token)
    with pytest.raises(InvalidToken, match="invalid or expired token"):
        verifier.claims(token)
    assert len(decodes) == 1  # refused by the cache itself, as jose refuses an expired token:
    with pytest.raises(InvalidToken, match="invalid or expired token"):
        TokenVerifier(StaticKeys(issuer.jwks)).verify(issuer.token(1, exp=int(time.time()) - 1))


def test_a_revoked_session_is_refused_on_the_next_request_though_cached(issuer, decodes):
    verifier = TokenVerifier(StaticKeys(issuer.jwks))
    sid = uuid.uuid4().hex
    token = issuer.token(2, sid=sid)
    client = app_with(verifier)
    assert client.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert verifier.verify(token).session_id == sid
    verifier.revoked.revoke(sid, time.time() + 600)
    answer = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert (answer.status_code, answer.json()["message"]) == (401, "Invalid or expired token")
    with pytest.raises(InvalidToken, match="session revoked"):
        verifier.verify(token)
    assert len(decodes) == 1


def test_a_cached_token_is_still_checked_for_its_type(issuer):
    verifier = TokenVerifier(StaticKeys(issuer.jwks))
    refresh = issuer.token(3, typ="refresh")
    assert verifier.claims(refresh, token_type="refresh")["typ"] == "refresh"
    with pytest.raises(InvalidToken, match="wrong token type"):
        verifier.verify(refresh)


def test_a_tampered_token_is_not_a_hit(issuer, decodes):
    verifier = TokenVerifier(StaticKeys(issuer.jwks))
    sid = uuid.uuid4().hex
    exp = int(time.time()) + 600
    token = issuer.token(1, sid=sid, exp=exp)
    assert verifier.verify(token).user_id == 1
    # the same header and claims signed by another key: only the signature differs
    forged = Issuer().token(1, kid=issuer.kid, sid=sid, exp=exp, iat=jwt.get_unverified_claims(
        token)["iat"])
    signed, signature = token.rsplit(".", 1)
    assert forged.rsplit(".", 1)[0] == signed and forged != token
    # and the genuine signature with one byte changed in its middle
    middle = len(signature) // 2
    flipped = signed + "." + signature[:middle] + ("A" if signature[middle] != "A" else "B") \
        + signature[middle + 1:]
    for tampered in (forged, flipped):
        with pytest.raises(InvalidToken, match="invalid or expired token"):
            verifier.verify(tampered)
        with pytest.raises(InvalidToken):  # a failure is not cached either
            verifier.verify(tampered)
    assert decodes == [token, forged, forged, flipped, flipped]
    assert verifier.verify(token).user_id == 1


def test_the_cache_is_bounded(issuer, decodes):
    clock = Clock()
    verifier = TokenVerifier(StaticKeys(issuer.jwks), cache_size=3, clock=clock)
    tokens = [issuer.token(n) for n in range(5)]
    for token in tokens:
        verifier.verify(token)
    assert len(verifier._verified) == 3
    decodes.clear()
    for token in tokens[2:]:  # the three verified last are kept
        verifier.verify(token)
    assert decodes == []
    verifier.verify(tokens[0])  # the oldest were dropped
    assert decodes == [tokens[0]]
    clock.now += 61  # entries past the trust window are of no use: the next one drops them
    verifier.verify(tokens[1])
    assert len(verifier._verified) == 1


def test_an_entry_is_verified_in_full_again_after_the_trust_window(issuer, decodes):
    clock = Clock()
    verifier = TokenVerifier(StaticKeys(issuer.jwks), clock=clock, trust_s=60)
    token = issuer.token(1)
    verifier.verify(token)
    clock.now += 59
    verifier.verify(token)
    assert len(decodes) == 1
    clock.now += 2
    verifier.verify(token)
    clock.now += 59
    verifier.verify(token)
    assert len(decodes) == 2  # re-verified 61 s after the first, then trusted for 60 s more


def test_a_key_removed_from_the_key_source_is_no_longer_accepted(issuer, decodes):
    clock = Clock()
    keys = MutableKeys(issuer.jwks)
    verifier = TokenVerifier(keys, clock=clock)
    token = issuer.token(1)
    assert verifier.verify(token).user_id == 1
    keys.serve({"keys": []})  # the key is withdrawn (a refetched JWKS without that kid)
    clock.now += 1  # well inside the trust window
    with pytest.raises(UnknownSigningKey):
        verifier.verify(token)
    clock.now += 60  # and after it
    with pytest.raises(UnknownSigningKey):
        verifier.verify(token)
    keys.serve(issuer.jwks)  # a refetched key set holding the key again: verified in full
    decodes.clear()
    assert verifier.verify(token).user_id == 1
    assert verifier.verify(token).user_id == 1
    assert decodes == [token]


def test_the_cache_is_shared_by_threads(issuer):
    verifier = TokenVerifier(StaticKeys(issuer.jwks), cache_size=8)
    tokens = [issuer.token(n) for n in range(20)]
    failures: list[BaseException] = []

    def verify_many(offset: int) -> None:
        try:
            for i in range(200):
                n = (offset + i * 7) % len(tokens)
                assert verifier.verify(tokens[n]).user_id == n
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)

    threads = [threading.Thread(target=verify_many, args=(k,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(verifier._verified) <= 8
