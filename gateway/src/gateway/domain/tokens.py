"""Revoked-session pre-check: read a token's `sid` WITHOUT verifying it (services verify)."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping

import orjson
from bookstore_shared.credentials import credential


def request_token(headers: Mapping[bytes, bytes] | Iterable[tuple[bytes, bytes]],
                  query_string: bytes = b"") -> str | None:
    """The request's one token: bearer header, login cookie or (WebSockets) `token=` query
    parameter. Raises AmbiguousCredentials for several (pass the raw ASGI header list to see
    every occurrence: a dict keeps one of each name)."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return credential(pairs, query_string)


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
