"""Fakes for service-layer tests: auth's repositories in memory, the kit's in-memory unit of work,
a clock the test moves, cheap argon2 parameters and one generated RS256 key."""
from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from auth_service.adapters.keys import SigningKey
from auth_service.adapters.passwords import Passwords
from auth_service.config import Settings
from auth_service.domain.exceptions import AlreadyStored
from auth_service.domain.model import NewUser, RevokedSession, User, UserSession
from auth_service.service_layer.context import AuthContext
from bookstore_shared.kit import InMemoryUnitOfWork


class FakeUserRepository:
    """Accounts in a dict; names compare case-insensitively, as MySQL's collation does."""

    def __init__(self):
        self.users: dict[int, User] = {}
        self.bootstrap_admin: int | None = None
        self.bootstrapped = False

    def get(self, user_id: int) -> User | None:
        return self.users.get(user_id)

    def find_for_login(self, identifier: str) -> User | None:
        wanted = identifier.strip().lower()
        field = "email" if "@" in identifier else "username"
        return next((u for u in self.users.values() if getattr(u, field).lower() == wanted), None)

    def taken_fields(self, new: NewUser) -> list[str]:
        names = {u.username.lower() for u in self.users.values()}
        emails = {u.email for u in self.users.values()}
        return ([f for f, taken in (("username", new.username.lower() in names),
                                    ("email", new.email in emails)) if taken])

    def add(self, new: NewUser, *, password_hash: str, is_admin: bool, now: datetime) -> int:
        if self.taken_fields(new):
            raise AlreadyStored()
        user_id = len(self.users) + 1
        self.users[user_id] = User(user_id, new.username, new.email, password_hash, is_admin, now)
        return user_id

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self.users[user_id] = replace(self.users[user_id], password_hash=password_hash)

    def claim_admin_bootstrap(self, *, now: datetime) -> None:
        if self.bootstrapped:
            raise AlreadyStored()
        self.bootstrapped = True

    def record_bootstrap_admin(self, user_id: int) -> None:
        self.bootstrap_admin = user_id

    def admin_bootstrapped(self) -> bool:
        return self.bootstrapped


class FakeSessionRepository:
    def __init__(self):
        self.sessions: dict[str, UserSession] = {}

    def add(self, new: UserSession, *, now: datetime) -> None:
        assert new.id not in self.sessions
        self.sessions[new.id] = new

    def get(self, session_id: str, *, for_update: bool = False) -> UserSession | None:
        return self.sessions.get(session_id)

    def rotate(self, session_id: str, *, refresh_jti: str, access_expires_at: datetime,
               refresh_expires_at: datetime) -> None:
        self.sessions[session_id] = replace(self.sessions[session_id], refresh_jti=refresh_jti,
                                            access_expires_at=access_expires_at,
                                            refresh_expires_at=refresh_expires_at)

    def revoke(self, session_id: str, *, reason: str, now: datetime) -> bool:
        found = self.sessions.get(session_id)
        if found is None or found.revoked_at is not None:
            return False
        self.sessions[session_id] = replace(found, revoked_at=now, revoked_reason=reason)
        return True

    def revoked_unexpired(self, *, now: datetime, limit: int = 100_000) -> list[RevokedSession]:
        alive = sorted((s for s in self.sessions.values()
                        if s.revoked_at is not None and s.access_expires_at > now),
                       key=lambda s: s.access_expires_at)
        return [RevokedSession(s.id, s.user_id, s.access_expires_at) for s in alive[:limit]]

    def purge_dead(self, *, before: datetime, limit: int = 1000) -> int:
        dead = [k for k, s in self.sessions.items() if s.refresh_expires_at < before][:limit]
        for key in dead:
            del self.sessions[key]
        return len(dead)


class FakeLoginFailureRepository:
    def __init__(self):
        self.rows: dict[int, tuple[str, str, datetime]] = {}  # id -> (account, client, at)
        self._next = 1

    def times(self, *, account_key: str, client_address: str, account_since: datetime,
              client_since: datetime, except_id: int | None = None):
        rows = [r for i, r in self.rows.items() if i != except_id]
        return ([at for acc, _, at in rows if acc == account_key and at > account_since],
                [at for _, cl, at in rows if cl == client_address and at > client_since])

    def add(self, *, account_key: str, client_address: str, now: datetime) -> int:
        failure_id, self._next = self._next, self._next + 1
        self.rows[failure_id] = (account_key, client_address, now)
        return failure_id

    def remove(self, failure_id: int) -> None:
        self.rows.pop(failure_id, None)

    def clear_account(self, account_key: str) -> None:
        self.rows = {i: r for i, r in self.rows.items() if r[0] != account_key}

    def purge(self, *, before: datetime) -> None:
        self.rows = {i: r for i, r in self.rows.items() if r[2] >= before}

    def count(self, account_key: str) -> int:
        return sum(1 for acc, _, _ in self.rows.values() if acc == account_key)


class FakeAuthUnitOfWork(InMemoryUnitOfWork):
    """What auth's use cases see, in memory; `published` holds the committed events."""

    def __init__(self):
        super().__init__(producer="auth")
        self.users = FakeUserRepository()
        self.sessions = FakeSessionRepository()
        self.login_failures = FakeLoginFailureRepository()
        self.rollbacks = 0

    def _rollback(self) -> None:
        self.rollbacks += 1


class Clock:
    """Epoch seconds that move only when the test says so (starts now: tokens stay verifiable)."""

    def __init__(self):
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="session")
def passwords() -> Passwords:
    """argon2id with the cheapest parameters: the rules under test, not the hashing cost."""
    return Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_ctx(signing_key, passwords, clock):
    """An AuthContext with the fake clock and the test key; settings overridable by field."""

    def make(**settings) -> AuthContext:
        ctx = AuthContext(settings=Settings(_env_file=None, **settings),
                          passwords=passwords, clock=clock)
        ctx.install_key(signing_key)
        return ctx

    return make


@pytest.fixture
def ctx(make_ctx) -> AuthContext:
    return make_ctx()


@pytest.fixture
def uow() -> FakeAuthUnitOfWork:
    return FakeAuthUnitOfWork()


def utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
