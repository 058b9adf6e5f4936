"""What the entry points ask the service layer to do."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RegisterUser:
    username: str
    email: str
    password: str


@dataclass(frozen=True)
class CreateAdmin:
    username: str
    email: str
    password: str
    requested_by_admin: bool = False


@dataclass(frozen=True)
class Login:
    identifier: str
    password: str
    client_address: str


@dataclass(frozen=True)
class RefreshTokens:
    refresh_token: str


@dataclass(frozen=True)
class Logout:
    session_id: str
