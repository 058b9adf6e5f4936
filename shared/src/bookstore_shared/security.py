"""JWT verification for every service: RS256 only, keys from the auth service's JWKS (cached,
refreshed when an unknown `kid` appears), a denylist of revoked sessions, FastAPI dependencies."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Protocol

import httpx
from fastapi import Depends, Request
from jose import JOSEError, JWTError, jwk, jwt
from jose.backends.base import Key
from starlette.concurrency import run_in_threadpool

from .errors import ApiError

log = logging.getLogger(__name__)

ISSUER = "bookstore-auth"
AUDIENCE = "bookstore"
ALGORITHM = "RS256"
ACCESS_COOKIE = "access_token"


class InvalidToken(Exception):
    """The token is malformed, forged, expired, revoked or of the wrong kind."""


@dataclass(frozen=True)
class Principal:
    """Who is calling, from a verified access token."""

    user_id: int
    username: str
    email: str
    is_admin: bool
    session_id: str
    expires_at: int


class KeySource(Protocol):
    def key_for(self, kid: str) -> dict | None:
        """The public JWK with this key id, or None."""

    def answers_without_io(self, kid: str) -> bool:
        """True when `key_for(kid)` will not fetch anything (it may still answer None)."""


class StaticKeys:
    """Keys known in-process (the auth service verifies with its own public keys)."""

    def __init__(self, jwks: dict):
        self._keys = {k["kid"]: k for k in jwks.get("keys", [])}

    def key_for(self, kid: str) -> dict | None:
        return self._keys.get(kid)

    def answers_without_io(self, kid: str) -> bool:
        return True


class JwksKeys:
    """Fetches `/.well-known/jwks.json`, caches it, refetches (rate limited) on an unknown kid."""

    def __init__(self, url: str, *, min_refresh_s: float = 5.0, timeout_s: float = 3.0):
        self._url = url
        self._min_refresh = min_refresh_s
        self._timeout = timeout_s
        self._keys: dict[str, dict] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def key_for(self, kid: str) -> dict | None:
        key = self._keys.get(kid)
        if key is not None:
            return key
        with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at >= self._min_refresh:
                self._refresh()
        return self._keys.get(kid)

    def answers_without_io(self, kid: str) -> bool:
        return kid in self._keys or time.monotonic() - self._fetched_at < self._min_refresh

    def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            response = httpx.get(self._url, timeout=self._timeout)
            response.raise_for_status()
            self._keys = {k["kid"]: k for k in response.json().get("keys", []) if "kid" in k}
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            log.warning("could not fetch JWKS", extra={"url": self._url, "error": str(exc)})


class RevokedSessions:
    """Session ids whose tokens must be refused, kept until those tokens would expire anyway."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def revoke(self, session_id: str, expires_at: float) -> None:
        with self._lock:
            self._until[session_id] = expires_at
            if len(self._until) % 1024 == 0:
                now = time.time()
                self._until = {k: v for k, v in self._until.items() if v > now}

    def is_revoked(self, session_id: str) -> bool:
        return session_id in self._until


class TokenVerifier:
    """Verifies access tokens; anything but a valid, unrevoked RS256 access token is refused."""

    def __init__(self, keys: KeySource, *, revoked: RevokedSessions | None = None):
        self._keys = keys
        self.revoked = revoked or RevokedSessions()
        # kid -> (the JWK, its parsed key): parsing a JWK costs more than checking a signature
        self._parsed: dict[str, tuple[dict, Key]] = {}

    def verify(self, token: str, *, token_type: str = "access") -> Principal:
        claims = self.claims(token, token_type=token_type)
        try:
            return Principal(user_id=int(claims["sub"]), username=str(claims["name"]),
                             email=str(claims.get("email", "")), is_admin=bool(claims.get("adm")),
                             session_id=str(claims["sid"]), expires_at=int(claims["exp"]))
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidToken("token lacks required claims") from exc

    def verifies_without_io(self, token: str) -> bool:
        """True unless checking `token` means fetching signing keys first."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except JWTError:
            return True  # refused without looking anything up
        return not isinstance(kid, str) or self._keys.answers_without_io(kid)

    def _parsed_key(self, kid: str) -> Key:
        public = self._keys.key_for(kid)
        if public is None:
            raise InvalidToken("unknown signing key")
        cached = self._parsed.get(kid)
        if cached is None or cached[0] is not public:  # new, or the key set was refetched
            try:
                cached = (public, jwk.construct(public, ALGORITHM))
            except JOSEError as exc:
                raise InvalidToken("unusable signing key") from exc
            self._parsed[kid] = cached
        return cached[1]

    def claims(self, token: str, *, token_type: str = "access") -> dict:
        """Verified claims of a token of the given type."""
        try:
            header = jwt.get_unverified_header(token)
        except JWTError as exc:
            raise InvalidToken("malformed token") from exc
        if header.get("alg") != ALGORITHM or not isinstance(header.get("kid"), str):
            raise InvalidToken("unsupported token algorithm")
        key = self._parsed_key(header["kid"])
        try:
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE,
                                issuer=ISSUER)
        except JWTError as exc:
            raise InvalidToken("invalid or expired token") from exc
        if claims.get("typ") != token_type:
            raise InvalidToken("wrong token type")
        if self.revoked.is_revoked(str(claims.get("sid"))):
            raise InvalidToken("session revoked")
        return claims


def bearer_token(request: Request) -> str | None:
    """The token from `Authorization: Bearer …`, else from the login cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(ACCESS_COOKIE) or None


def _principal(verifier: TokenVerifier, token: str) -> Principal:
    try:
        return verifier.verify(token)
    except InvalidToken as exc:
        raise ApiError(401, "Invalid or expired token", error=str(exc)) from None


async def current_user(request: Request) -> Principal:
    """401 unless the request carries a valid access token.

    Checked on the event loop (an RS256 signature check takes microseconds; a sync dependency
    would cost a worker-thread hop per request); only a token whose signing key must first be
    fetched goes to a worker thread.
    """
    token = bearer_token(request)
    if not token:
        raise ApiError(401, "Authentication required")
    verifier: TokenVerifier = request.app.state.token_verifier
    if verifier.verifies_without_io(token):
        return _principal(verifier, token)
    return await run_in_threadpool(_principal, verifier, token)


async def admin_user(user: Annotated[Principal, Depends(current_user)]) -> Principal:
    """403 unless the caller is an admin."""
    if not user.is_admin:
        raise ApiError(403, "Admin access required")
    return user


CurrentUser = Annotated[Principal, Depends(current_user)]
AdminUser = Annotated[Principal, Depends(admin_user)]
