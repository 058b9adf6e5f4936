"""Request and response bodies (the CONTRACT.md shapes)."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, model_validator


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class UserCreate(_Body):
    """`POST /register` and `POST /create_admin`."""

    username: str
    email: str
    password: str


class LoginRequest(_Body):
    """`POST /login`: the email (seed) or the username, and the password."""

    email: str | None = None
    username: str | None = None
    password: str

    @model_validator(mode="after")
    def _one_identifier(self) -> LoginRequest:
        if not (self.email or self.username):
            raise ValueError("email or username is required")
        return self

    @property
    def identifier(self) -> str:
        return self.email or self.username or ""


class RefreshRequest(_Body):
    """`POST /token/refresh`."""

    refresh_token: str


class MessageRead(BaseModel):
    message: str


class UserCreated(MessageRead):
    user_id: int


class TokenRead(MessageRead):
    access_token: str
    token_type: str = "bearer"
    refresh_token: str


class UserRead(BaseModel):
    """`GET /users/me`."""

    id: int
    username: str
    email: str
    is_admin: bool
    created_at: datetime


class RevokedSessionRead(BaseModel):
    session_id: str
    user_id: int
    expires_at: datetime


class RevokedSessionsRead(BaseModel):
    """`GET /internal/revoked-sessions`: what the gateway's denylist starts from."""

    sessions: list[RevokedSessionRead]
