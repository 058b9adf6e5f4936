"""Who is looking at a page: their credential (the login cookie), profile and form token.

The access token is the HttpOnly cookie `POST /login` sets; the web service only passes it on to
the gateway. When it has expired, the refresh token (kept in an HttpOnly cookie of our own) buys a
new pair once per request, so a shopper is not logged out every quarter of an hour.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from bookstore_shared.context import request_id_var
from bookstore_shared.security import ACCESS_COOKIE
from fastapi import Request
from starlette.responses import Response

from ..adapters.gateway import GatewayApi
from ..domain.forms import new_token

REFRESH_COOKIE = "bookstore_refresh"
CSRF_COOKIE = "bookstore_csrf"
REFRESH_MAX_AGE_S = 14 * 24 * 3600


class LoginRequired(Exception):
    """The page needs a logged-in visitor."""


class Forbidden(Exception):
    """The visitor may not see this page."""


class PageNotFound(Exception):
    """Nothing here (an unknown book or order)."""


@dataclass
class Visitor:
    """One request's visitor; cookies to set or clear are applied to whatever page answers."""

    api_client: GatewayApi
    forwarded: dict[str, str]
    token: str | None
    refresh: str | None
    csrf: str
    user: dict[str, Any] | None = None
    cookies: list[tuple[str, str]] = field(default_factory=list)  # raw Set-Cookie headers
    new_csrf: bool = False
    secure: bool = False  # the site is served over https: our cookies say so

    @property
    def is_admin(self) -> bool:
        return bool(self.user and self.user.get("is_admin"))

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The API as this visitor; an expired access token is refreshed once and retried."""
        response = await self.api_client.call(method, path, token=self.token,
                                              forwarded=self.forwarded, **kwargs)
        if response.status_code == 401 and self.refresh and await self._refreshed():
            response = await self.api_client.call(method, path, token=self.token,
                                                  forwarded=self.forwarded, **kwargs)
        return response

    async def _refreshed(self) -> bool:
        answer = await self.api_client.call("POST", "/token/refresh", forwarded=self.forwarded,
                                            json={"refresh_token": self.refresh})
        self.refresh = None  # single use either way
        if answer.status_code != 200:
            self.forget()
            return False
        self.signed_in(answer)
        return True

    def signed_in(self, answer: httpx.Response) -> None:
        """Keep the tokens of a successful login or refresh (auth's own cookie, as it set it)."""
        body = answer.json()
        self.token = body["access_token"]
        self.cookies = [c for c in self.cookies if not c.startswith(f"{ACCESS_COOKIE}=")]
        self.cookies.extend(answer.headers.get_list("set-cookie"))
        self.cookies.append(_cookie(REFRESH_COOKIE, body["refresh_token"], REFRESH_MAX_AGE_S,
                                    secure=self.secure))

    def forget(self) -> None:
        """Log out locally: both tokens' cookies are cleared."""
        self.token = self.refresh = None
        self.user = None
        self.cookies.append(_cookie(ACCESS_COOKIE, "", 0, secure=self.secure))
        self.cookies.append(_cookie(REFRESH_COOKIE, "", 0, secure=self.secure))

    async def load_profile(self) -> None:
        """`/users/me` when there is a credential; a refused one leaves the visitor anonymous."""
        if not (self.token or self.refresh):
            return
        if not self.token and not await self._refreshed():
            return
        me = await self.api("GET", "/users/me")
        if me.status_code == 200:
            self.user = me.json()
        elif me.status_code == 401:
            self.forget()

    def apply(self, response: Response) -> Response:
        """Set this request's cookies on the page that answers it."""
        for header in self.cookies:
            response.headers.append("set-cookie", header)
        if self.new_csrf:
            response.headers.append("set-cookie", _cookie(CSRF_COOKIE, self.csrf, None,
                                                          same_site="Strict", secure=self.secure))
        return response


def _cookie(name: str, value: str, max_age: int | None, *, same_site: str = "Lax",
            secure: bool = False) -> str:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", f"SameSite={same_site}"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


async def visitor(request: Request) -> Visitor:
    """FastAPI dependency: the visitor, profile loaded (one `/users/me` per page)."""
    csrf = request.cookies.get(CSRF_COOKIE)
    peer = request.client.host if request.client else None
    forwarded = {"X-Request-ID": request_id_var.get() or ""}
    if peer:
        forwarded["X-Forwarded-For"] = peer
    found = Visitor(api_client=request.app.state.web.api, forwarded=forwarded,
                    token=request.cookies.get(ACCESS_COOKIE) or None,
                    refresh=request.cookies.get(REFRESH_COOKIE) or None,
                    csrf=csrf or new_token(), new_csrf=not csrf,
                    secure=site_origin(request).startswith("https:"))
    await found.load_profile()
    request.state.visitor = found
    return found


def site_origin(request: Request) -> str:
    """The origin the browser sees (the gateway forwards its Host and scheme)."""
    scheme = request.headers.get("x-forwarded-proto", request.url.scheme).split(",")[0].strip()
    host = request.headers.get("host", request.url.netloc)
    return f"{scheme}://{host}"


def require_user(who: Visitor) -> Visitor:
    if who.user is None:
        raise LoginRequired()
    return who


def require_admin(who: Visitor) -> Visitor:
    require_user(who)
    if not who.is_admin:
        raise Forbidden("The console is for the store's admins.")
    return who
