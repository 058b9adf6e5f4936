"""JWT verification for every service: RS256 only, keys from the auth service's JWKS (cached,
refreshed when an unknown `kid` appears), a denylist of revoked sessions, FastAPI dependencies.

Verified tokens are cached: a client presents the same token on every request, and parsing it and
checking its RS256 signature costs ~50 µs each time (the gateway and then the service each do it;
a hit costs ~3 µs). `TokenVerifier` keeps the claims of tokens that passed every check, keyed by
the SHA-256 of the token (a token differing in any byte, its signature included, is a miss). A
hit still checks what can change after verification, as a full verification does: `exp` against
now, the token type, the denylist of revoked sessions (never cached: a revocation counts from the
next request), and that the key source still holds the very key the token was verified with (a
dict lookup, no I/O: a key withdrawn from the key set, or a refetched key set, ends the hits of
its tokens at once). An entry is trusted for at most `trust_s` (60 s) after its verification,
then the token is verified in full again; at most `cache_size` (10,000, ~2 KB each) are kept,
the oldest verification dropped first, and none older than `trust_s`. Failed verifications are
never cached.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, NamedTuple, Protocol

import httpx
from fastapi import Depends, Request
from jose import JOSEError, JWTError, jwk, jwt
from jose.backends.base import Key
from starlette.concurrency import run_in_threadpool

from .credentials import AMBIGUOUS, AmbiguousCredentials, credential
from .errors import ApiError

log = logging.getLogger(__name__)

ISSUER = "bookstore-auth"
AUDIENCE = "bookstore"
ALGORITHM = "RS256"
ACCESS_COOKIE = "access_token"
JWKS_PATH = "/.well-known/jwks.json"  # on the auth service


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


class UnknownSigningKey(InvalidToken):
    """The token names a key id this process does not hold (yet)."""


class KeySource(Protocol):
    def key_for(self, kid: str, *, may_fetch: bool = True) -> dict | None:
        """The public JWK with this key id, or None. Without `may_fetch`, never does I/O."""


class StaticKeys:
    """Keys known in-process (the auth service verifies with its own public keys)."""

    def __init__(self, jwks: dict):
        self._keys = {k["kid"]: k for k in jwks.get("keys", [])}

    def key_for(self, kid: str, *, may_fetch: bool = True) -> dict | None:
        return self._keys.get(kid)


# Key sets served by an auth service running in this very process (standalone runs every service
# in one process), by the URL that serves them: a verifier there reads them without any I/O.
_SERVED_HERE: dict[str, dict] = {}


def serve_jwks_in_process(url: str, jwks: dict) -> None:
    """Make `jwks` (what `url` serves) known to every JwksKeys of this process for that URL."""
    _SERVED_HERE[url] = jwks


class JwksKeys:
    """Fetches `/.well-known/jwks.json`, caches it, refetches on an unknown kid.

    Keys served by this very process (`serve_jwks_in_process`) are taken without a fetch.

    After a successful fetch an unknown kid waits `min_refresh_s` for the next one (forged key ids
    must not turn into a fetch each); after a failed fetch only `retry_after_failure_s`, so an auth
    service that was not up yet (all services start together) delays tokens, never refuses them.
    """

    def __init__(self, url: str, *, min_refresh_s: float = 5.0,
                 retry_after_failure_s: float = 0.2, timeout_s: float = 3.0):
        self._url = url
        self._min_refresh = min_refresh_s
        self._retry_after_failure = retry_after_failure_s
        self._timeout = timeout_s
        self._keys: dict[str, dict] = {}
        self._next_fetch_at = 0.0
        self._lock = threading.Lock()

    def key_for(self, kid: str, *, may_fetch: bool = True) -> dict | None:
        key = self._keys.get(kid)
        if key is None and (here := _SERVED_HERE.get(self._url)) is not None:
            self._keys = {k["kid"]: k for k in here.get("keys", []) if "kid" in k}
            key = self._keys.get(kid)
        if key is not None or not may_fetch:
            return key
        with self._lock:  # one fetch at a time; the others then read what it found
            if kid not in self._keys and time.monotonic() >= self._next_fetch_at:
                self._refresh()
        return self._keys.get(kid)

    def _refresh(self) -> None:
        try:
            response = httpx.get(self._url, timeout=self._timeout)
            response.raise_for_status()
            self._keys = {k["kid"]: k for k in response.json().get("keys", []) if "kid" in k}
        except (httpx.HTTPError, ValueError, KeyError, AttributeError) as exc:
            log.warning("could not fetch JWKS", extra={"url": self._url, "error": str(exc)})
            self._next_fetch_at = time.monotonic() + self._retry_after_failure
        else:
            self._next_fetch_at = time.monotonic() + self._min_refresh


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


class _Verified(NamedTuple):
    """The claims of a token that passed verification, and what they rest on."""

    claims: dict
    exp: int | None
    kid: str
    public: dict  # the JWK its signature was checked with (compared by identity)
    verified_at: float


class TokenVerifier:
    """Verifies access tokens; anything but a valid, unrevoked RS256 access token is refused.

    Tokens that passed are cached (see the module docstring); `clock` (seconds since the epoch)
    gives the time of a hit's `exp` check and of the trust window.
    """

    def __init__(self, keys: KeySource, *, revoked: RevokedSessions | None = None,
                 cache_size: int = 10_000, trust_s: float = 60.0,
                 clock: Callable[[], float] = time.time):
        self._keys = keys
        self.revoked = revoked or RevokedSessions()
        # kid -> (the JWK, its parsed key): parsing a JWK costs more than checking a signature
        self._parsed: dict[str, tuple[dict, Key]] = {}
        # SHA-256 of a token -> what its verification found, oldest verification first. A lookup
        # (one C call) takes no lock; every change takes it.
        self._verified: OrderedDict[bytes, _Verified] = OrderedDict()
        self._verified_lock = threading.Lock()
        self._cache_size = cache_size
        self._trust_s = trust_s
        self._clock = clock

    def verify(self, token: str, *, token_type: str = "access",
               may_fetch: bool = True) -> Principal:
        """The token's principal; without `may_fetch` an unknown key raises UnknownSigningKey."""
        claims = self._claims(token, token_type=token_type, may_fetch=may_fetch)
        try:
            return Principal(user_id=int(claims["sub"]), username=str(claims["name"]),
                             email=str(claims.get("email", "")), is_admin=bool(claims.get("adm")),
                             session_id=str(claims["sid"]), expires_at=int(claims["exp"]))
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidToken("token lacks required claims") from exc

    async def verify_on_loop(self, token: str) -> Principal:
        """`verify` for async code: on the loop, except a fetch of signing keys (worker thread).

        The loop never waits on I/O here: in one process (standalone) the loop may be the very one
        that must answer the fetch.
        """
        try:
            return self.verify(token, may_fetch=False)
        except UnknownSigningKey:
            return await run_in_threadpool(self.verify, token)

    def _parsed_key(self, kid: str, *, may_fetch: bool) -> tuple[dict, Key]:
        """The JWK with this key id, and its parsed key."""
        public = self._keys.key_for(kid, may_fetch=may_fetch)
        if public is None:
            raise UnknownSigningKey("unknown signing key")
        cached = self._parsed.get(kid)
        if cached is None or cached[0] is not public:  # new, or the key set was refetched
            try:
                cached = (public, jwk.construct(public, ALGORITHM))
            except JOSEError as exc:
                raise InvalidToken("unusable signing key") from exc
            self._parsed[kid] = cached
        return cached

    def claims(self, token: str, *, token_type: str = "access", may_fetch: bool = True) -> dict:
        """Verified claims of a token of the given type."""
        return dict(self._claims(token, token_type=token_type, may_fetch=may_fetch))

    def _claims(self, token: str, *, token_type: str, may_fetch: bool) -> dict:
        """`claims`, but the cached dict itself (read it, never change it)."""
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        now = self._clock()
        entry = self._verified.get(digest)
        miss = entry is None or not 0 <= now - entry.verified_at < self._trust_s \
            or self._keys.key_for(entry.kid, may_fetch=False) is not entry.public
        if miss:
            if entry is not None:  # past its trust window, or its key is gone or was refetched
                self._forget(digest, entry)
            entry = self._verified_now(token, may_fetch=may_fetch, now=now)
        elif entry.exp < int(now):  # exactly what jose's exp check refuses (only int exps are kept)
            raise InvalidToken("invalid or expired token")
        if entry.claims.get("typ") != token_type:
            raise InvalidToken("wrong token type")
        if self.revoked.is_revoked(str(entry.claims.get("sid"))):
            raise InvalidToken("session revoked")
        if miss:
            self._remember(digest, entry)
        return entry.claims

    def _verified_now(self, token: str, *, may_fetch: bool, now: float) -> _Verified:
        """Header, signature, issuer, audience and times checked by jose."""
        try:
            header = jwt.get_unverified_header(token)
        except JWTError as exc:
            raise InvalidToken("malformed token") from exc
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str):
            raise InvalidToken("unsupported token algorithm")
        public, key = self._parsed_key(kid, may_fetch=may_fetch)
        try:
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE,
                                issuer=ISSUER)
        except JWTError as exc:
            raise InvalidToken("invalid or expired token") from exc
        exp = claims.get("exp")
        return _Verified(claims, exp if type(exp) is int else None, kid, public, now)

    def _remember(self, digest: bytes, entry: _Verified) -> None:
        if entry.exp is None or self._cache_size <= 0 or self._trust_s <= 0:
            return  # a token without an integer `exp` (jose lets it pass) is never cached
        with self._verified_lock:
            self._verified[digest] = entry
            self._verified.move_to_end(digest)
            # drop the oldest while over the bound or past the trust window (no longer of use)
            while len(self._verified) > self._cache_size or \
                    entry.verified_at - next(iter(self._verified.values())).verified_at \
                    >= self._trust_s:
                self._verified.popitem(last=False)

    def _forget(self, digest: bytes, entry: _Verified) -> None:
        with self._verified_lock:
            if self._verified.get(digest) is entry:  # not one another thread just put there
                del self._verified[digest]


def bearer_token(request: Request) -> str | None:
    """The token from `Authorization: Bearer …`, else from the login cookie; 401 "Ambiguous
    credentials" when the request carries more than one (bookstore_shared.credentials)."""
    try:
        return credential(request.scope["headers"])
    except AmbiguousCredentials:
        raise ApiError(401, AMBIGUOUS["message"], error=AMBIGUOUS["error"]) from None


async def current_user(request: Request) -> Principal:
    """401 unless the request carries a valid access token (checked on the event loop)."""
    token = bearer_token(request)
    if not token:
        raise ApiError(401, "Authentication required")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return await verifier.verify_on_loop(token)
    except InvalidToken as exc:
        raise ApiError(401, "Invalid or expired token", error=str(exc)) from None


async def admin_user(user: Annotated[Principal, Depends(current_user)]) -> Principal:
    """403 unless the caller is an admin."""
    if not user.is_admin:
        raise ApiError(403, "Admin access required")
    return user


CurrentUser = Annotated[Principal, Depends(current_user)]
AdminUser = Annotated[Principal, Depends(admin_user)]
