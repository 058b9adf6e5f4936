"""Registering users and admins, and reading a profile."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from bookstore_shared.db import session_scope
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import UserRegistered
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..adapters import repository as repo
from ..domain.commands import CreateAdmin, RegisterUser
from ..domain.exceptions import AdminAlreadyExists, DuplicateUser, SessionNotActive
from ..domain.model import NewUser, User, new_user
from .context import AuthContext

log = logging.getLogger(__name__)


def _now(ctx: AuthContext) -> datetime:
    return datetime.fromtimestamp(ctx.clock(), UTC)


def _insert_user(session: Session, *, ctx: AuthContext, new: NewUser, password_hash: str,
                 is_admin: bool) -> int:
    """Insert the user and stage `user.registered` in the same transaction."""
    taken = repo.taken_fields(session, new)
    if "username" in taken:
        raise DuplicateUser("Username already taken")
    if "email" in taken:
        raise DuplicateUser("Email already registered")
    user_id = repo.add_user(session, new, password_hash=password_hash, is_admin=is_admin,
                            now=_now(ctx))
    ctx.outbox.add(session, Envelope.wrap(
        UserRegistered(user_id=user_id, username=new.username, email=new.email),
        producer=ctx.settings.service_name))
    return user_id


def register(*, ctx: AuthContext, cmd: RegisterUser) -> int:
    """Create an ordinary user; returns its id. InvalidRegistration on bad or taken data."""
    new = new_user(username=cmd.username, email=cmd.email, password=cmd.password)
    password_hash = ctx.passwords.hash(new.password)
    with session_scope(ctx.sessions) as session:
        try:
            user_id = _insert_user(session, ctx=ctx, new=new, password_hash=password_hash,
                                   is_admin=False)
            session.commit()
        except IntegrityError:
            raise DuplicateUser("Username or email already taken") from None
    log.info("user registered", extra={"user_id": user_id})
    return user_id


def first_admin_exists(*, ctx: AuthContext) -> bool:
    """True once the first admin has been created."""
    with session_scope(ctx.sessions) as session:
        return repo.admin_bootstrapped(session)


def create_admin(*, ctx: AuthContext, cmd: CreateAdmin) -> int:
    """Create an admin: the first one for anyone, later ones only for admins."""
    if not cmd.requested_by_admin and first_admin_exists(ctx=ctx):
        raise AdminAlreadyExists()
    new = new_user(username=cmd.username, email=cmd.email, password=cmd.password)
    password_hash = ctx.passwords.hash(new.password)
    with session_scope(ctx.sessions) as session:
        try:
            if not cmd.requested_by_admin:
                # The singleton row's primary key: of racing bootstraps only one can commit.
                repo.claim_admin_bootstrap(session, now=_now(ctx))
                session.flush()
        except IntegrityError:
            raise AdminAlreadyExists() from None
        try:
            user_id = _insert_user(session, ctx=ctx, new=new, password_hash=password_hash,
                                   is_admin=True)
            if not cmd.requested_by_admin:
                repo.record_bootstrap_admin(session, user_id)
            session.commit()
        except IntegrityError:
            session.rollback()
            if not cmd.requested_by_admin and first_admin_exists(ctx=ctx):
                raise AdminAlreadyExists() from None
            raise DuplicateUser("Username or email already taken") from None
    log.info("admin created", extra={"user_id": user_id})
    return user_id


def profile(*, ctx: AuthContext, user_id: int) -> User:
    """The caller's account; SessionNotActive if it no longer exists."""
    with session_scope(ctx.sessions) as session:
        user = repo.get_user(session, user_id)
    if user is None:
        raise SessionNotActive()
    return user
