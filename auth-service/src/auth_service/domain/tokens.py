"""The claims of access and refresh tokens (signing happens in adapters)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from bookstore_shared.security import AUDIENCE, ISSUER

from .model import User

ACCESS, REFRESH = "access", "refresh"


@dataclass(frozen=True)
class IssuedClaims:
    """Claims for one access token and one refresh token of the same session."""

    access: dict
    refresh: dict

    @property
    def access_expires_at(self) -> int:
        return self.access["exp"]

    @property
    def refresh_expires_at(self) -> int:
        return self.refresh["exp"]

    @property
    def refresh_jti(self) -> str:
        return self.refresh["jti"]


def new_session_id() -> str:
    """A fresh, unguessable session id."""
    return str(uuid.uuid4())


def issue_claims(*, user: User, session_id: str, now: int, access_ttl_s: int,
                 refresh_ttl_s: int) -> IssuedClaims:
    """Access claims (identity + admin flag) and refresh claims (session + single-use jti)."""
    common = {"iss": ISSUER, "aud": AUDIENCE, "sub": str(user.id), "sid": session_id, "iat": now}
    access = {**common, "name": user.username, "email": user.email, "adm": bool(user.is_admin),
              "jti": uuid.uuid4().hex, "typ": ACCESS, "exp": now + access_ttl_s}
    refresh = {**common, "jti": uuid.uuid4().hex, "typ": REFRESH, "exp": now + refresh_ttl_s}
    return IssuedClaims(access=access, refresh=refresh)
