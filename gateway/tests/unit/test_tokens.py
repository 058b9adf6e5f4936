"""Revoked sessions are recognised from a token's unverified claims, wherever the token travels."""
import base64
import json

import pytest
from bookstore_shared.credentials import AmbiguousCredentials
from bookstore_shared.security import RevokedSessions
from gateway.domain.tokens import request_token, revoked_session, unverified_claims


def token_with(claims: dict) -> str:
    def seg(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return f"{seg({'alg': 'RS256', 'kid': 'k1'})}.{seg(claims)}.c2lnbmF0dXJl"


def test_claims_are_read_without_a_valid_signature():
    assert unverified_claims(token_with({"sid": "s-1", "sub": "4"})) == {"sid": "s-1", "sub": "4"}


def test_things_that_are_not_jwts_have_no_claims():
    for token in ("", "abc", "a.b", "a.!!!.c", "a.b.c.d", f"x.{base64.b64encode(b'[1]').decode()}.y"):
        assert unverified_claims(token) is None


def test_a_token_of_a_revoked_session_is_reported():
    revoked = RevokedSessions()
    revoked.revoke("s-1", 4102444800)
    assert revoked_session(token_with({"sid": "s-1"}), revoked.is_revoked) == "s-1"


def test_tokens_of_live_sessions_and_garbage_are_let_through_for_the_service_to_judge():
    revoked = RevokedSessions()
    revoked.revoke("s-1", 4102444800)
    assert revoked_session(token_with({"sid": "s-2"}), revoked.is_revoked) is None
    assert revoked_session(token_with({"sub": "1"}), revoked.is_revoked) is None
    assert revoked_session("not-a-token", revoked.is_revoked) is None
    assert revoked_session(None, revoked.is_revoked) is None


def test_the_token_comes_from_the_bearer_header_or_the_same_token_in_the_cookie():
    assert request_token({b"authorization": b"Bearer t1"}) == "t1"
    assert request_token({b"authorization": b"Bearer t1", b"cookie": b"access_token=t1"}) == "t1"


@pytest.mark.parametrize("headers,query", [
    ([(b"authorization", b"Bearer revoked"), (b"authorization", b"Bearer x")], b""),
    ([(b"cookie", b"access_token=revoked"), (b"cookie", b"access_token=x")], b""),
    ([(b"cookie", b"access_token=revoked; access_token=x")], b""),
    ([(b"authorization", b"Bearer from-header"), (b"cookie", b"access_token=from-cookie")], b""),
    ([(b"authorization", b"Bearer from-header")], b"token=from-query"),
    ([], b"token=a&token=b"),
])
def test_more_than_one_credential_is_ambiguous(headers, query):
    with pytest.raises(AmbiguousCredentials):
        request_token(headers, query)


def test_the_token_comes_from_the_login_cookie_when_there_is_no_bearer():
    headers = {b"authorization": b"Basic xyz", b"cookie": b"theme=dark; access_token=\"c1\"; x=1"}
    assert request_token(headers) == "c1"
    assert request_token({b"cookie": b"my_access_token=nope"}) is None


def test_websocket_tokens_may_come_from_the_query_string():
    assert request_token({}, b"a=1&token=q1") == "q1"
    assert request_token({}, b"mytoken=q1") is None
    assert request_token({}) is None
