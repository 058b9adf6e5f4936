"""The RS256 key: generated once and shared through the database, or given by configuration."""
import pytest
from bookstore_shared.security import StaticKeys, TokenVerifier
from jose import jwt

pytestmark = pytest.mark.integration


def test_jwks_serves_the_public_key_that_verifies_issued_tokens(client, h):
    tokens = h.login(client, h.register(client))
    r = client.get("/.well-known/jwks.json")
    assert r.status_code == 200
    (key,) = r.json()["keys"]
    assert {key["alg"], key["use"], key["kty"]} == {"RS256", "sig", "RSA"} and "d" not in key
    assert jwt.get_unverified_header(tokens["access_token"])["kid"] == key["kid"]
    principal = TokenVerifier(StaticKeys(r.json())).verify(tokens["access_token"])
    assert principal.username and principal.session_id


def test_replicas_on_the_same_database_share_the_generated_key(auth_app, new_instance, h):
    instance = new_instance()
    first = auth_app(instance=instance)
    second = auth_app(instance=instance)
    jwks = first.get("/.well-known/jwks.json").json()
    assert jwks == second.get("/.well-known/jwks.json").json()
    assert len(h.sql(first, "SELECT kid FROM signing_key")) == 1
    tokens = h.login(first, h.register(first))
    assert second.get("/users/me", headers=h.bearer(tokens["access_token"])).status_code == 200


def test_a_configured_private_key_wins_over_the_stored_one(auth_app, new_instance, h):
    from auth_service.adapters.keys import SigningKey
    key = SigningKey.generate()
    app = auth_app(BOOKSTORE_JWT_PRIVATE_KEY=key.private_pem)
    assert app.get("/.well-known/jwks.json").json() == key.jwks()
    tokens = h.login(app, h.register(app))
    assert jwt.get_unverified_header(tokens["access_token"])["kid"] == key.kid
