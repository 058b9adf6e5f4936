"""argon2id password hashing; unknown accounts cost the same time as known ones."""
from __future__ import annotations

import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Passwords:
    """Hash, verify and upgrade password hashes with argon2-cffi's PasswordHasher."""

    def __init__(self, hasher: PasswordHasher | None = None, *, max_parallel: int = 4):
        self._hasher = hasher or PasswordHasher()
        # Each argon2 run takes 64 MiB; a burst of logins must not exhaust memory.
        self._slots = threading.BoundedSemaphore(max_parallel)
        # Verified against when the account does not exist, so timing does not reveal accounts.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        """A fresh argon2id hash of `password`."""
        with self._slots:
            return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True if `password` matches; with no hash, burn the same time and return False."""
        try:
            with self._slots:
                matches = self._hasher.verify(password_hash or self._dummy, password)
            return matches and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the stored hash used other parameters than the current ones."""
        return self._hasher.check_needs_rehash(password_hash)
