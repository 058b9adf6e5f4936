"""Domain errors as the contract's HTTP answers."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ..domain.exceptions import (
    AdminAlreadyExists,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidRegistration,
    SessionNotActive,
    TooManyAttempts,
)


def install_domain_errors(app: FastAPI) -> None:
    """Map each domain error to its status and body (no internals ever leak)."""

    @app.exception_handler(InvalidRegistration)
    async def _registration(_: Request, exc: InvalidRegistration):
        return JSONResponse({"message": "Error registering user", "error": str(exc)}, 400)

    @app.exception_handler(InvalidCredentials)
    async def _credentials(_: Request, __: InvalidCredentials):
        return JSONResponse({"message": "Invalid username or password"}, 401)

    @app.exception_handler(TooManyAttempts)
    async def _too_many(_: Request, exc: TooManyAttempts):
        return JSONResponse({"message": "Too many login attempts"}, 429,
                              headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(AdminAlreadyExists)
    async def _admin_exists(_: Request, __: AdminAlreadyExists):
        return JSONResponse({"message": "Admin account already exists"}, 400)

    @app.exception_handler(InvalidRefreshToken)
    async def _refresh(_: Request, __: InvalidRefreshToken):
        return JSONResponse({"message": "Invalid or expired refresh token"}, 401)

    @app.exception_handler(SessionNotActive)
    async def _session(_: Request, __: SessionNotActive):
        return JSONResponse({"message": "Invalid or expired token"}, 401)
