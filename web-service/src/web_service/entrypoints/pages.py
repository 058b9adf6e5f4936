"""Rendering pages, checking forms, and every error as an HTML page (never JSON, never a trace)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from ..adapters.gateway import ApiUnavailable
from ..domain.forms import same_origin, tokens_match
from .visitor import Forbidden, LoginRequired, PageNotFound, Visitor, site_origin, visitor

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC_PREFIX = "/shop/static"
# Everything a page loads comes from this site; scripts only from our own files.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}
MAX_UPLOAD_FIELDS = 20


def _money(value: Any) -> str:
    try:
        return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return "—"


def templates() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = _money
    env.globals["static"] = lambda name: f"{STATIC_PREFIX}/{name}"
    return env


VisitorDep = Annotated[Visitor, Depends(visitor)]


def render(request: Request, who: Visitor | None, template: str, *, status: int = 200,
           **context: Any) -> HTMLResponse:
    """A page (or an htmx fragment) with the visitor's cookies and the security headers."""
    env: Environment = request.app.state.web.templates
    html = env.get_template(template).render(request=request, visitor=who, path=request.url.path,
                                             **context)
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    return who.apply(response) if who is not None else response


def redirect(who: Visitor, url: str) -> Response:
    """After a form: 303 See Other, so a reload does not post again."""
    return who.apply(RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS))


class FormRejected(Exception):
    """The form did not come from one of our pages (wrong Origin or form token)."""


async def checked_form(request: Request, who: VisitorDep) -> FormData:
    """The posted form, once its Origin and CSRF token prove it came from our own page."""
    if not same_origin(request.headers.get("origin"), request.headers.get("referer"),
                       site_origin(request)):
        raise FormRejected("origin")
    form = await request.form(max_fields=MAX_UPLOAD_FIELDS, max_files=1)
    token = form.get("csrf_token") or request.headers.get("x-csrf-token")
    if who.new_csrf or not tokens_match(who.csrf, token if isinstance(token, str) else None):
        raise FormRejected("token")
    return form


FormDep = Annotated[FormData, Depends(checked_form)]


def _visitor_of(request: Request) -> Visitor | None:
    return getattr(request.state, "visitor", None)


def error_page(request: Request, status: int, title: str, text: str) -> HTMLResponse:
    return render(request, _visitor_of(request), "error.html", status=status, title=title,
                  text=text)


def install_page_errors(app: FastAPI) -> None:
    """Errors under /shop and /console are pages; the probes keep the JSON shape."""

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        answer = RedirectResponse(f"/shop/login?next={quote(target)}", status_code=303)
        who = _visitor_of(request)
        return who.apply(answer) if who is not None else answer  # e.g. clear a refused login

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):
        return error_page(request, 403, "Not allowed", str(exc))

    @app.exception_handler(PageNotFound)
    async def not_found(request: Request, exc: PageNotFound):
        return error_page(request, 404, "Not found", str(exc) or "There is nothing here.")

    @app.exception_handler(FormRejected)
    async def rejected(request: Request, _exc: FormRejected):
        return error_page(request, 403, "Form expired",
                          "This form could not be accepted. Reload the page and try again.")

    @app.exception_handler(ApiUnavailable)
    async def unavailable(request: Request, exc: ApiUnavailable):
        log.warning("the API did not answer", extra={"error": str(exc)})
        return error_page(request, 503, "Try again soon",
                          "The store is not reachable right now. Please try again in a moment.")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, _exc: RequestValidationError):
        return error_page(request, 404, "Not found", "There is nothing here.")

    default = app.exception_handlers[StarletteHTTPException]
    unexpected = app.exception_handlers[Exception]

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception):
        if not request.url.path.startswith(("/shop", "/console")):
            return await unexpected(request, exc)
        log.exception("page failed")
        return error_page(request, 500, "Something went wrong",
                          "This page could not be shown. Please try again.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if not request.url.path.startswith(("/shop", "/console")):
            return await default(request, exc)
        if exc.status_code == 405:
            return error_page(request, 405, "Not allowed", "That is not how this page is used.")
        return error_page(request, exc.status_code, "Not found", "There is nothing here.")
