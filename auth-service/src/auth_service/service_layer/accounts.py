"""Registering users and admins, and reading a profile."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from bookstore_shared.events.contracts import UserRegistered

from ..domain.commands import CreateAdmin, RegisterUser
from ..domain.exceptions import AdminAlreadyExists, AlreadyStored, DuplicateUser, SessionNotActive
from ..domain.model import NewUser, User, new_user
from .context import AuthContext
from .unit_of_work import AuthUnitOfWork

log = logging.getLogger(__name__)


def _now(ctx: AuthContext) -> datetime:
    return datetime.fromtimestamp(ctx.clock(), UTC)


def _insert_user(uow: AuthUnitOfWork, *, ctx: AuthContext, new: NewUser, password_hash: str,
                 is_admin: bool) -> int:
    """Insert the user and stage `user.registered` in the same transaction."""
    taken = uow.users.taken_fields(new)
    if "username" in taken:
        raise DuplicateUser("Username already taken")
    if "email" in taken:
        raise DuplicateUser("Email already registered")
    user_id = uow.users.add(new, password_hash=password_hash, is_admin=is_admin, now=_now(ctx))
    uow.emit(UserRegistered(user_id=user_id, username=new.username, email=new.email))
    return user_id


def register(*, uow: AuthUnitOfWork, ctx: AuthContext, cmd: RegisterUser) -> int:
    """Create an ordinary user; returns its id. InvalidRegistration on bad or taken data."""
    new = new_user(username=cmd.username, email=cmd.email, password=cmd.password)
    password_hash = ctx.passwords.hash(new.password)  # before the transaction: argon2 is slow
    with uow.step():
        try:
            user_id = _insert_user(uow, ctx=ctx, new=new, password_hash=password_hash,
                                   is_admin=False)
            uow.commit()
        except AlreadyStored:
            raise DuplicateUser("Username or email already taken") from None
    log.info("user registered", extra={"user_id": user_id})
    return user_id


def first_admin_exists(*, uow: AuthUnitOfWork) -> bool:
    """True once the first admin has been created."""
    with uow.step():
        return uow.users.admin_bootstrapped()


def create_admin(*, uow: AuthUnitOfWork, ctx: AuthContext, cmd: CreateAdmin) -> int:
    """Create an admin: the first one for anyone, later ones only for admins."""
    if not cmd.requested_by_admin and first_admin_exists(uow=uow):
        raise AdminAlreadyExists()
    new = new_user(username=cmd.username, email=cmd.email, password=cmd.password)
    password_hash = ctx.passwords.hash(new.password)
    with uow.step():
        if not cmd.requested_by_admin:
            try:
                # The singleton row's primary key: of racing bootstraps only one can commit.
                uow.users.claim_admin_bootstrap(now=_now(ctx))
            except AlreadyStored:
                raise AdminAlreadyExists() from None
        try:
            user_id = _insert_user(uow, ctx=ctx, new=new, password_hash=password_hash,
                                   is_admin=True)
            if not cmd.requested_by_admin:
                uow.users.record_bootstrap_admin(user_id)
            uow.commit()
        except AlreadyStored:
            uow.rollback()
            if not cmd.requested_by_admin and first_admin_exists(uow=uow):
                raise AdminAlreadyExists() from None
            raise DuplicateUser("Username or email already taken") from None
    log.info("admin created", extra={"user_id": user_id})
    return user_id


def profile(*, uow: AuthUnitOfWork, user_id: int) -> User:
    """The caller's account; SessionNotActive if it no longer exists."""
    with uow.step():
        user = uow.users.get(user_id)
    if user is None:
        raise SessionNotActive()
    return user
