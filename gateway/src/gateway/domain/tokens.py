"""Revoked-session pre-check: read a token's `sid` WITHOUT verifying it (services verify)."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping

import orjson

ACCESS_COOKIE = b"access_token"


def request_token(headers: Mapping[bytes, bytes], query_string: bytes = b"") -> str | None:
    """The bearer token, else the login cookie, else a `token=` query parameter (WebSockets)."""
    auth = headers.get(b"authorization")
    if auth:
        scheme, _, value = auth.partition(b" ")
        if scheme.lower() == b"bearer" and value.strip():
            return value.strip().decode("latin-1")
    cookie = headers.get(b"cookie")
    if cookie and ACCESS_COOKIE in cookie:
        for part in cookie.split(b";"):
            name, _, value = part.strip().partition(b"=")
            if name == ACCESS_COOKIE and value:
                return value.strip(b'"').decode("latin-1")
    if query_string and b"token=" in query_string:
        for part in query_string.split(b"&"):
            name, _, value = part.partition(b"=")
            if name == b"token" and value:
                return value.decode("latin-1")
    return None


def unverified_claims(token: str) -> dict | None:
    """The JWT's payload as sent (signature NOT checked), or None when it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    segment = parts[1]
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def revoked_session(token: str | None, is_revoked: Callable[[str], bool]) -> str | None:
    """The token's session id when that session has been revoked, else None."""
    if not token:
        return None
    claims = unverified_claims(token)
    sid = claims.get("sid") if claims else None
    if isinstance(sid, str) and sid and is_revoked(sid):
        return sid
    return None
