"""What the use cases need besides the unit of work: settings, hashing, a clock, the signing key."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bookstore_shared.security import (
    JWKS_PATH,
    StaticKeys,
    TokenVerifier,
    serve_jwks_in_process,
)

from ..adapters.keys import SigningKey
from ..adapters.passwords import Passwords
from ..config import Settings


@dataclass
class AuthContext:
    """Dependencies of the use cases; the signing key is installed when the service starts."""

    settings: Settings
    passwords: Passwords
    clock: Callable[[], float] = time.time
    _key: SigningKey | None = field(default=None, repr=False)
    _verifier: TokenVerifier | None = field(default=None, repr=False)

    def install_key(self, key: SigningKey) -> None:
        """Use `key` to sign, and verify our own tokens with its public half (so do services
        running in this same process: they need not fetch it from us)."""
        self._key = key
        self._verifier = TokenVerifier(StaticKeys(key.jwks()))
        serve_jwks_in_process(self.settings.service_url("auth") + JWKS_PATH, key.jwks())

    @property
    def key(self) -> SigningKey:
        if self._key is None:
            raise RuntimeError("the signing key is loaded when the service starts")
        return self._key

    @property
    def verifier(self) -> TokenVerifier:
        if self._verifier is None:
            raise RuntimeError("the signing key is loaded when the service starts")
        return self._verifier
