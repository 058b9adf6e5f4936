"""Request parsing and caller identity for the auth routes."""
from __future__ import annotations

import hmac
import ipaddress
from typing import Annotated, TypeVar

from bookstore_shared.errors import ApiError
from bookstore_shared.kit.container import UowDep
from bookstore_shared.security import Principal, bearer_token
from fastapi import Depends, Header, Request
from pydantic import BaseModel, ValidationError

from ..domain.exceptions import SessionNotActive
from ..service_layer import sessions
from ..service_layer.context import AuthContext

M = TypeVar("M", bound=BaseModel)


def auth_context(request: Request) -> AuthContext:
    """Settings, hashing, clock and signing key (the container's; units of work: `UowDep`)."""
    return request.app.state.container.auth


Ctx = Annotated[AuthContext, Depends(auth_context)]


async def raw_body(request: Request) -> bytes:
    """The request body, refusing (413) anything over the configured size before reading it all."""
    limit = request.app.state.container.settings.auth_max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "Payload too large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "Payload too large")
        chunks.append(chunk)
    return b"".join(chunks)


RawBody = Annotated[bytes, Depends(raw_body)]


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_input=False)[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()))
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid request"


def parse_body(model: type[M], raw: bytes, *, message: str = "Invalid request") -> M:
    """The body as `model`; 400 with `message` and a readable reason when it does not fit."""
    try:
        return model.model_validate_json(raw or b"null")
    except ValidationError as exc:
        if any(e.get("type") == "model_type" for e in exc.errors()):
            raise ApiError(400, message, error="Request body must be a JSON object") from None
        raise ApiError(400, message, error=_describe(exc)) from None


def client_address(request: Request) -> str:
    """The first X-Forwarded-For hop (set by the gateway), else the peer address."""
    first = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(first))
    except ValueError:
        return request.client.host if request.client else "unknown"


def session_user(request: Request, uow: UowDep, ctx: Ctx) -> Principal:
    """401 unless the request carries a valid access token of an active session."""
    token = bearer_token(request)
    if not token:
        raise ApiError(401, "Authentication required")
    return sessions.authenticate(uow=uow, ctx=ctx, token=token)


def optional_user(request: Request, uow: UowDep, ctx: Ctx) -> Principal | None:
    """The caller when a valid token of an active session is present, else None."""
    token = bearer_token(request)
    if not token:
        return None
    try:
        return sessions.authenticate(uow=uow, ctx=ctx, token=token)
    except SessionNotActive:
        return None


def require_bootstrap_token(ctx: AuthContext, presented: str | None) -> None:
    """401 unless the deployment's bootstrap token (if it set one) was sent, in constant time."""
    expected = ctx.settings.bootstrap_admin_token
    if expected is None:
        return
    if not presented or not hmac.compare_digest(presented.encode(),
                                                expected.get_secret_value().encode()):
        raise ApiError(401, "Bootstrap token required",
                       error="the first admin needs this deployment's X-Bootstrap-Token")


BootstrapToken = Annotated[str | None, Header(alias="X-Bootstrap-Token")]
SessionUser = Annotated[Principal, Depends(session_user)]
OptionalUser = Annotated[Principal | None, Depends(optional_user)]
