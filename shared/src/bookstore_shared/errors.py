"""The error shape of CONTRACT.md: JSON `{"message", "error"?}`, 400 for validation, no traces."""
from __future__ import annotations

import logging

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class JsonResponse(JSONResponse):
    """JSON rendered with orjson (fast; datetimes and decimals handled by the caller's models)."""

    def render(self, content) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)

_DEFAULT_MESSAGES = {
    400: "Bad request", 401: "Authentication required", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 413: "Payload too large",
    415: "Unsupported media type", 429: "Too many requests", 503: "Service unavailable",
}


class ApiError(Exception):
    """An error a client should see: status, message, optional detail and headers."""

    def __init__(self, status: int, message: str, *, error: str | None = None,
                 headers: dict[str, str] | None = None, **extra: object):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error = error
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict:
        body: dict = {"message": self.message, **self.extra}
        if self.error is not None:
            body["error"] = self.error
        return body


def describe_validation_error(exc: RequestValidationError) -> str:
    """A short human-readable sentence from pydantic's errors (no input echoed back)."""
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else err.get("msg", "invalid"))
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Make every error a JSON body with the contract's status codes."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError):
        return JsonResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError):
        return JsonResponse({"message": "Invalid request",
                               "error": describe_validation_error(exc)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else None
        message = _DEFAULT_MESSAGES.get(exc.status_code, detail or "Error")
        if exc.status_code not in (404, 405) and detail and detail != message:
            message = detail
        return JsonResponse({"message": message}, status_code=exc.status_code,
                              headers=getattr(exc, "headers", None))

    @app.exception_handler(DBAPIError)
    async def _database(_: Request, exc: DBAPIError):
        # The database is down or restarting: a clear 503 the client can retry, not a 500.
        if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
            log.warning("database unavailable", extra={"error": type(exc.orig).__name__})
            return JsonResponse({"message": "Service unavailable",
                                 "error": "database unavailable, try again"},
                                status_code=503, headers={"Retry-After": "1"})
        log.exception("database error")
        return JsonResponse({"message": "Internal server error"}, status_code=500)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception):
        log.exception("unhandled error")
        return JsonResponse({"message": "Internal server error"}, status_code=500)
