"""Logging in, refreshing (rotating, single-use refresh tokens), logging out, session checks."""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from bookstore_shared.events.contracts import SessionRevoked
from bookstore_shared.security import InvalidToken, Principal

from ..adapters.timeutil import from_epoch
from ..domain.commands import Login, Logout, RefreshTokens
from ..domain.exceptions import (
    InvalidCredentials,
    InvalidRefreshToken,
    SessionNotActive,
    TooManyAttempts,
)
from ..domain.model import User, UserSession, login_identifier
from ..domain.ratelimit import Window, retry_after
from ..domain.tokens import IssuedClaims, issue_claims, new_session_id
from .context import AuthContext
from .unit_of_work import AuthUnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenPair:
    """Signed tokens handed to the client."""

    access_token: str
    refresh_token: str
    access_expires_at: int
    session_id: str


def _issue(ctx: AuthContext, user: User, session_id: str, now: int) -> IssuedClaims:
    s = ctx.settings
    return issue_claims(user=user, session_id=session_id, now=now,
                        access_ttl_s=s.access_token_ttl_s, refresh_ttl_s=s.refresh_token_ttl_s)


def _signed(ctx: AuthContext, claims: IssuedClaims) -> TokenPair:
    return TokenPair(access_token=ctx.key.sign(claims.access),
                     refresh_token=ctx.key.sign(claims.refresh),
                     access_expires_at=claims.access_expires_at,
                     session_id=claims.access["sid"])


def _account_key(user: User | None, identifier: str) -> str:
    # Failures count per account, whichever of email or username was typed.
    return f"user:{user.id}" if user else f"name:{login_identifier(identifier)[:240]}"


def _waits(uow: AuthUnitOfWork, ctx: AuthContext, *, account_key: str, client: str, now: float,
           attempt: int) -> tuple[int | None, int | None]:
    """Seconds to wait (or None) for the account and for the client address, counting every
    other recorded attempt: failures, and attempts of the moment not yet decided."""
    s = ctx.settings
    by_account, by_client = uow.login_failures.times(
        account_key=account_key, client_address=client, except_id=attempt,
        account_since=from_epoch(now - s.login_account_window_s),
        client_since=from_epoch(now - s.login_ip_window_s))
    # An attempt of the moment may carry a clock reading a hair later than ours: it counts.
    return (retry_after([min(t.timestamp(), now) for t in by_account], now=now,
                        window=Window(s.login_max_failures_per_account, s.login_account_window_s)),
            retry_after([min(t.timestamp(), now) for t in by_client], now=now,
                        window=Window(s.login_max_failures_per_ip, s.login_ip_window_s)))


def _record_attempt(uow: AuthUnitOfWork, ctx: AuthContext, *, account_key: str, client: str,
                    now: float) -> int:
    """Record the attempt as a failure, committed before anything is checked: of parallel
    guesses, the last to commit sees every other one, so no more than the limit get verified."""
    with uow.step():
        attempt = uow.login_failures.add(account_key=account_key, client_address=client,
                                         now=from_epoch(now))
        if random.random() < 0.02:  # keep the table small without a scheduler
            uow.login_failures.purge(before=from_epoch(now - _widest_window(ctx)))
        uow.commit()
    return attempt


def login(*, uow: AuthUnitOfWork, ctx: AuthContext, cmd: Login) -> TokenPair:
    """Verify the credentials (rate limited) and open a session.

    The per-account limit refuses before the password is checked. The per-address limit refuses
    only wrong passwords: behind a proxy or a shared NAT, one client's failures must not lock
    out everyone else who knows their password. Four transactions in a row: find the account,
    commit the attempt, read the limits (in a snapshot taken after that commit), and, after the
    password check (none open), open the session.
    """
    now = ctx.clock()
    with uow.step():
        user = uow.users.find_for_login(cmd.identifier)
    account_key = _account_key(user, cmd.identifier)
    attempt = _record_attempt(uow, ctx, account_key=account_key, client=cmd.client_address,
                              now=now)
    with uow.step():
        account_wait, client_wait = _waits(uow, ctx, account_key=account_key,
                                           client=cmd.client_address, now=now, attempt=attempt)
        if account_wait is not None:
            uow.login_failures.remove(attempt)  # refused unchecked: not a guess
            uow.commit()
            raise TooManyAttempts(account_wait)
    if not ctx.passwords.verify(user.password_hash if user else None, cmd.password):
        if client_wait is not None:
            raise TooManyAttempts(client_wait)
        raise InvalidCredentials()
    assert user is not None
    with uow.step():
        uow.login_failures.remove(attempt)
        if ctx.passwords.needs_rehash(user.password_hash):
            uow.users.set_password_hash(user.id, ctx.passwords.hash(cmd.password))
        uow.login_failures.clear_account(account_key)
        if random.random() < 0.02:  # one login in fifty clears out dead sessions, no scheduler
            uow.sessions.purge_dead(before=from_epoch(now))
        claims = _issue(ctx, user, new_session_id(), int(now))
        uow.sessions.add(UserSession(
            id=claims.access["sid"], user_id=user.id, refresh_jti=claims.refresh_jti,
            access_expires_at=from_epoch(claims.access_expires_at),
            refresh_expires_at=from_epoch(claims.refresh_expires_at)), now=from_epoch(now))
        uow.commit()
    log.info("user logged in", extra={"user_id": user.id})
    return _signed(ctx, claims)


def _widest_window(ctx: AuthContext) -> int:
    return max(ctx.settings.login_account_window_s, ctx.settings.login_ip_window_s)


def _revoke(uow: AuthUnitOfWork, found: UserSession, *, reason: str, now: float) -> None:
    """Revoke the session and tell every service through `auth.session_revoked`."""
    if uow.sessions.revoke(found.id, reason=reason, now=from_epoch(now)):
        uow.emit(SessionRevoked(session_id=found.id, user_id=found.user_id,
                                expires_at=found.access_expires_at))


def refresh(*, uow: AuthUnitOfWork, ctx: AuthContext, cmd: RefreshTokens) -> TokenPair:
    """Swap a refresh token for new tokens; a reused refresh token revokes its whole session."""
    try:
        claims = ctx.verifier.claims(cmd.refresh_token, token_type="refresh")
    except InvalidToken:
        raise InvalidRefreshToken() from None
    now = ctx.clock()
    with uow.step():
        found = uow.sessions.get(str(claims.get("sid")), for_update=True)
        if found is None or found.revoked_at is not None \
                or str(found.user_id) != claims.get("sub"):
            raise InvalidRefreshToken()
        if found.refresh_jti != claims.get("jti"):
            # An already-rotated token came back: it was stolen or replayed. End the session.
            _revoke(uow, found, reason="refresh_reuse", now=now)
            uow.commit()
            log.warning("refresh token reuse: session revoked", extra={"session_id": found.id})
            raise InvalidRefreshToken()
        user = uow.users.get(found.user_id)
        if user is None:
            raise InvalidRefreshToken()
        issued = _issue(ctx, user, found.id, int(now))
        uow.sessions.rotate(found.id, refresh_jti=issued.refresh_jti,
                            access_expires_at=from_epoch(issued.access_expires_at),
                            refresh_expires_at=from_epoch(issued.refresh_expires_at))
        uow.commit()
    return _signed(ctx, issued)


def logout(*, uow: AuthUnitOfWork, ctx: AuthContext, cmd: Logout) -> None:
    """Revoke the session: its access and refresh tokens stop working everywhere."""
    with uow.step():
        found = uow.sessions.get(cmd.session_id, for_update=True)
        if found is None or found.revoked_at is not None:
            raise SessionNotActive()
        _revoke(uow, found, reason="logout", now=ctx.clock())
        uow.commit()
    log.info("user logged out", extra={"session_id": cmd.session_id})


def authenticate(*, uow: AuthUnitOfWork, ctx: AuthContext, token: str) -> Principal:
    """The caller behind a valid access token whose session is still active."""
    try:
        principal = ctx.verifier.verify(token)
    except InvalidToken as exc:
        raise SessionNotActive(str(exc)) from None
    with uow.step():
        found = uow.sessions.get(principal.session_id)
    if found is None or found.revoked_at is not None:
        raise SessionNotActive("session revoked")
    return principal


def revoked_sessions(*, uow: AuthUnitOfWork, ctx: AuthContext) -> list[SessionRevoked]:
    """Revoked sessions whose access tokens have not expired yet (the gateway's denylist)."""
    with uow.step():
        found = uow.sessions.revoked_unexpired(now=from_epoch(ctx.clock()))
    return [SessionRevoked(session_id=r.session_id, user_id=r.user_id, expires_at=r.expires_at)
            for r in found]


__all__ = ["TokenPair", "authenticate", "login", "logout", "refresh", "revoked_sessions"]
