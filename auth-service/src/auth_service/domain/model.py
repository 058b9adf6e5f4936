"""Users and the rules their registration data must follow."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from .exceptions import InvalidRegistration

USERNAME_MIN, USERNAME_MAX = 3, 50
PASSWORD_MIN, PASSWORD_MAX = 8, 256
EMAIL_MAX = 254
_USERNAME = re.compile(r"^[A-Za-z0-9._-]+$")
# Deliberately simple: one @, a dot in the domain, no spaces or angle brackets.
_EMAIL = re.compile(r"^[^@\s<>\"']+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


@dataclass(frozen=True)
class NewUser:
    """Registration data that passed every rule (email normalised to lower case)."""

    username: str
    email: str
    password: str


@dataclass(frozen=True)
class User:
    """A stored account."""

    id: int
    username: str
    email: str
    password_hash: str
    is_admin: bool
    created_at: datetime


def check_username(username: str) -> str:
    """The username if it has 3-50 letters, digits, dots, underscores or dashes."""
    if not USERNAME_MIN <= len(username) <= USERNAME_MAX:
        raise InvalidRegistration(
            f"Username must be {USERNAME_MIN} to {USERNAME_MAX} characters long")
    if not _USERNAME.match(username):
        raise InvalidRegistration(
            "Username may only contain letters, digits, '.', '_' and '-'")
    return username


def normalize_email(email: str) -> str:
    """The email in lower case, if it looks like an address."""
    email = email.strip().lower()
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise InvalidRegistration("Invalid email address")
    return email


def check_password(password: str) -> str:
    """The password if its length is within the policy."""
    if len(password) < PASSWORD_MIN:
        raise InvalidRegistration(f"Password must be at least {PASSWORD_MIN} characters long")
    if len(password) > PASSWORD_MAX:
        raise InvalidRegistration(f"Password must be at most {PASSWORD_MAX} characters long")
    return password


def new_user(*, username: str, email: str, password: str) -> NewUser:
    """Validate registration data; raises InvalidRegistration with a user-facing reason."""
    return NewUser(username=check_username(username.strip()), email=normalize_email(email),
                   password=check_password(password))


def login_identifier(identifier: str) -> str:
    """How a login name is compared: trimmed, case-insensitive."""
    return identifier.strip().lower()


@dataclass(frozen=True)
class UserSession:
    """One login: its tokens carry `id` as `sid`; `refresh_jti` is the one refresh token that
    may still be used (rotated on every refresh)."""

    id: str
    user_id: int
    refresh_jti: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None


@dataclass(frozen=True)
class RevokedSession:
    """A revoked session whose last access token is still unexpired (the gateway denies it)."""

    session_id: str
    user_id: int
    expires_at: datetime
