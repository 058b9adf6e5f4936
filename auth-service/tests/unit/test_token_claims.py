"""Token claims and signing (no I/O: a generated key, verified with the shared verifier)."""
from datetime import UTC, datetime

import pytest
from auth_service.adapters.keys import SigningKey
from auth_service.domain.model import User
from auth_service.domain.tokens import issue_claims
from bookstore_shared.security import InvalidToken, StaticKeys, TokenVerifier
from jose import jwt

USER = User(id=7, username="alice", email="alice@example.com", password_hash="x", is_admin=True,
            created_at=datetime(2024, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def key():
    return SigningKey.generate()


def test_access_claims_carry_identity_session_and_expiry():
    claims = issue_claims(user=USER, session_id="sid-1", now=1000, access_ttl_s=900,
                          refresh_ttl_s=3600)
    assert {k: claims.access[k] for k in ("iss", "aud", "sub", "name", "email", "adm", "sid",
                                          "typ", "iat", "exp")} == {
        "iss": "bookstore-auth", "aud": "bookstore", "sub": "7", "name": "alice",
        "email": "alice@example.com", "adm": True, "sid": "sid-1", "typ": "access", "iat": 1000,
        "exp": 1900}
    assert claims.refresh["typ"] == "refresh" and claims.refresh["exp"] == 4600
    assert claims.refresh["sid"] == "sid-1" and claims.refresh["jti"] != claims.access["jti"]
    assert "adm" not in claims.refresh and "email" not in claims.refresh


def test_every_issue_gets_fresh_token_ids():
    a = issue_claims(user=USER, session_id="s", now=1, access_ttl_s=1, refresh_ttl_s=1)
    b = issue_claims(user=USER, session_id="s", now=1, access_ttl_s=1, refresh_ttl_s=1)
    assert a.refresh_jti != b.refresh_jti and a.access["jti"] != b.access["jti"]


def test_jwks_publishes_the_public_key_with_kid_alg_and_use(key):
    (jwk,) = key.jwks()["keys"]
    assert jwk["kid"] == key.kid and jwk["alg"] == "RS256" and jwk["use"] == "sig"
    assert jwk["kty"] == "RSA" and "d" not in jwk and "p" not in jwk


def test_the_same_pem_always_gives_the_same_kid(key):
    assert SigningKey.from_pem(key.private_pem).kid == key.kid


def test_signed_access_tokens_verify_with_the_shared_verifier(key):
    import time
    now = int(time.time())
    claims = issue_claims(user=USER, session_id="s1", now=now, access_ttl_s=60, refresh_ttl_s=60)
    principal = TokenVerifier(StaticKeys(key.jwks())).verify(key.sign(claims.access))
    assert (principal.user_id, principal.username, principal.is_admin, principal.session_id) == (
        7, "alice", True, "s1")
    assert jwt.get_unverified_header(key.sign(claims.access))["kid"] == key.kid


def test_a_refresh_token_is_not_accepted_as_an_access_token(key):
    import time
    claims = issue_claims(user=USER, session_id="s1", now=int(time.time()), access_ttl_s=60,
                          refresh_ttl_s=60)
    with pytest.raises(InvalidToken, match="wrong token type"):
        TokenVerifier(StaticKeys(key.jwks())).verify(key.sign(claims.refresh))


def test_a_non_rsa_pem_is_refused():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    with pytest.raises(ValueError, match="RSA"):
        SigningKey.from_pem(pem)
