"""Public auth routes (mounted at `/` and under `/api`)."""
from __future__ import annotations

from bookstore_shared.kit.container import UowDep
from bookstore_shared.security import ACCESS_COOKIE, JWKS_PATH
from fastapi import APIRouter, Request, Response

from ..domain.commands import CreateAdmin, Login, Logout, RefreshTokens, RegisterUser
from ..domain.exceptions import AdminAlreadyExists
from ..service_layer import accounts, sessions
from ..service_layer.context import AuthContext
from .deps import (
    BootstrapToken,
    Ctx,
    OptionalUser,
    RawBody,
    SessionUser,
    client_address,
    parse_body,
    require_bootstrap_token,
)
from .schemas import (
    LoginRequest,
    MessageRead,
    RefreshRequest,
    TokenRead,
    UserCreate,
    UserCreated,
    UserRead,
)

router = APIRouter(tags=["auth"])


def _json_body(model: type) -> dict:
    """OpenAPI text for a body the route parses itself (to answer with the contract's errors)."""
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}


def _set_login_cookie(response: Response, ctx: AuthContext, token: str) -> None:
    response.set_cookie(ACCESS_COOKIE, token, max_age=ctx.settings.access_token_ttl_s,
                        path="/", httponly=True, samesite="lax",
                        secure=ctx.settings.cookie_secure)


def _tokens(response: Response, ctx: AuthContext, pair: sessions.TokenPair,
            message: str) -> TokenRead:
    _set_login_cookie(response, ctx, pair.access_token)
    return TokenRead(message=message, access_token=pair.access_token,
                     refresh_token=pair.refresh_token)


@router.post("/register", status_code=201, response_model=UserCreated,
             openapi_extra=_json_body(UserCreate))
def register(uow: UowDep, ctx: Ctx, raw: RawBody) -> UserCreated:
    """Register a user account."""
    body = parse_body(UserCreate, raw, message="Error registering user")
    user_id = accounts.register(uow=uow, ctx=ctx, cmd=RegisterUser(
        username=body.username, email=body.email, password=body.password))
    return UserCreated(message="User registered successfully", user_id=user_id)


@router.post("/login", response_model=TokenRead, openapi_extra=_json_body(LoginRequest))
def login(request: Request, response: Response, uow: UowDep, ctx: Ctx,
          raw: RawBody) -> TokenRead:
    """Log in with email or username; returns tokens and sets the HttpOnly cookie."""
    body = parse_body(LoginRequest, raw)
    pair = sessions.login(uow=uow, ctx=ctx, cmd=Login(
        identifier=body.identifier, password=body.password,
        client_address=client_address(request)))
    return _tokens(response, ctx, pair, "Logged in successfully")


@router.post("/token/refresh", response_model=TokenRead,
             openapi_extra=_json_body(RefreshRequest))
def refresh_token(response: Response, uow: UowDep, ctx: Ctx, raw: RawBody) -> TokenRead:
    """Exchange a refresh token (single use) for a new access and refresh token."""
    body = parse_body(RefreshRequest, raw)
    pair = sessions.refresh(uow=uow, ctx=ctx, cmd=RefreshTokens(refresh_token=body.refresh_token))
    return _tokens(response, ctx, pair, "Token refreshed successfully")


@router.get("/logout", response_model=MessageRead)
def logout(response: Response, uow: UowDep, ctx: Ctx, user: SessionUser) -> MessageRead:
    """End the session: its access and refresh tokens are refused from now on."""
    sessions.logout(uow=uow, ctx=ctx, cmd=Logout(session_id=user.session_id))
    response.delete_cookie(ACCESS_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=ctx.settings.cookie_secure)
    return MessageRead(message="Logged out successfully")


@router.get("/users/me", response_model=UserRead)
def me(uow: UowDep, user: SessionUser) -> UserRead:
    """The caller's profile."""
    account = accounts.profile(uow=uow, user_id=user.user_id)
    return UserRead(id=account.id, username=account.username, email=account.email,
                    is_admin=account.is_admin, created_at=account.created_at)


@router.post("/create_admin", status_code=201, response_model=UserCreated,
             openapi_extra=_json_body(UserCreate))
def create_admin(uow: UowDep, ctx: Ctx, raw: RawBody, caller: OptionalUser,
                 bootstrap_token: BootstrapToken = None) -> UserCreated:
    """Create the first admin (no auth needed; `X-Bootstrap-Token` when the deployment set
    one), or more admins with an admin's token."""
    by_admin = bool(caller and caller.is_admin)
    if not by_admin and accounts.first_admin_exists(uow=uow):
        raise AdminAlreadyExists()
    if not by_admin:
        require_bootstrap_token(ctx, bootstrap_token)
    body = parse_body(UserCreate, raw, message="Error registering user")
    user_id = accounts.create_admin(uow=uow, ctx=ctx, cmd=CreateAdmin(
        username=body.username, email=body.email, password=body.password,
        requested_by_admin=by_admin))
    return UserCreated(message="Admin account created successfully", user_id=user_id)


@router.get(JWKS_PATH)
def jwks(ctx: Ctx, response: Response) -> dict:
    """The public keys that verify this service's tokens (RS256)."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return ctx.key.jwks()
