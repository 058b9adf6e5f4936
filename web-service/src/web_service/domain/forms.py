"""Cross-site request forgery defences for forms: a double-submit token and the Origin check."""
from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

TOKEN_BYTES = 32


def new_token() -> str:
    """A fresh, unguessable token (set as a cookie and repeated in every form)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def tokens_match(cookie: str | None, submitted: str | None) -> bool:
    """True when the form repeats the cookie's token (compared in constant time)."""
    if not cookie or not submitted or len(submitted) > 128:
        return False
    return hmac.compare_digest(cookie.encode(), submitted.encode())


def same_origin(origin: str | None, referer: str | None, expected: str) -> bool:
    """The request comes from one of our own pages: its Origin (else its Referer's origin)
    is the site's. Browsers send Origin with every form POST; a request with neither is refused."""
    source = origin if origin and origin != "null" else None
    if source is None and referer:
        parts = urlsplit(referer)
        source = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
    return source is not None and source.rstrip("/").lower() == expected.lower()


def safe_next(target: str | None, default: str = "/shop/") -> str:
    """Where to go after logging in: only a path on this site (never another host)."""
    if (target and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and len(target) < 500):
        return target
    return default
