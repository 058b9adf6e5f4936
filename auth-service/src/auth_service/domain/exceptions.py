"""What can go wrong in the auth domain (the entry points map these to HTTP answers)."""
from __future__ import annotations


class AuthError(Exception):
    """Base of every auth domain error."""


class InvalidRegistration(AuthError):
    """The registration data breaks a rule; the message is safe to show to the user."""


class DuplicateUser(InvalidRegistration):
    """The username or email is already taken."""


class AlreadyStored(AuthError):
    """A unique key (username, email, the first-admin row) was taken by a concurrent writer: the
    database refused the insert and the transaction must be rolled back."""


class InvalidCredentials(AuthError):
    """Unknown account or wrong password (deliberately indistinguishable)."""


class TooManyAttempts(AuthError):
    """Too many failed logins recently; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class AdminAlreadyExists(AuthError):
    """The first admin exists and the caller is not an admin."""


class InvalidRefreshToken(AuthError):
    """The refresh token is malformed, expired, already used or its session is revoked."""


class SessionNotActive(AuthError):
    """The token's session was revoked (logout or refresh-token reuse) or never existed."""
