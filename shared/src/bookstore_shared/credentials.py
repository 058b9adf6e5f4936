"""The one credential a request carries, read the same way by the gateway and every service
(CONTRACT.md, "Credentials"): `Authorization: Bearer`, else the `access_token` cookie, else (for
WebSockets) `?token=`. A request carrying more than one is refused, never guessed at: when the
gateway checked one and a service verified another, a revoked token worked again."""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

ACCESS_COOKIE = "access_token"
AMBIGUOUS = {"message": "Ambiguous credentials",
             "error": "send one token: one Authorization header or one access_token cookie"}


class AmbiguousCredentials(ValueError):
    """Two Authorization headers, two access_token cookies, or tokens that differ."""


def _cookie_tokens(value: str) -> list[str]:
    tokens = []
    for part in value.split(";"):
        name, sep, token = part.strip().partition("=")
        if sep and name.strip() == ACCESS_COOKIE:
            tokens.append(token.strip().strip('"'))
    return tokens


def credential(headers: Iterable[tuple[bytes, bytes]], query_string: bytes = b"") -> str | None:
    """The request's token (None without one); AmbiguousCredentials when it carries several.

    `headers` are the raw ASGI pairs (names lower-case): every occurrence counts.
    """
    authorizations: list[str] = []
    cookies: list[str] = []
    for name, value in headers:
        if name == b"authorization":
            authorizations.append(value.decode("latin-1").strip())
        elif name == b"cookie" and ACCESS_COOKIE.encode() in value:
            cookies += _cookie_tokens(value.decode("latin-1"))
    if len(authorizations) > 1 or len(cookies) > 1:
        raise AmbiguousCredentials()
    found: set[str] = set()
    if authorizations:
        scheme, _, token = authorizations[0].partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            found.add(token.strip())
    found.update(token for token in cookies if token)
    if query_string and b"token=" in query_string:
        queried = [v for k, v in parse_qsl(query_string.decode("latin-1")) if k == "token"]
        if len(queried) > 1:
            raise AmbiguousCredentials()
        found.update(v for v in queried if v)
    if len(found) > 1:
        raise AmbiguousCredentials()
    return next(iter(found), None)
