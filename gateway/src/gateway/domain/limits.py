"""How large a request body the gateway lets through, per route (pure)."""
from __future__ import annotations

import re

from bookstore_shared.limits import MAX_BODY_BYTES

from .routing import public_path

# Text fields and multipart framing around an uploaded PDF (the catalog allows the same).
UPLOAD_FORM_ALLOWANCE = 1024 * 1024
_BOOK = re.compile(r"/books/[^/]+/?")


def is_upload(method: str, path: str) -> bool:
    """True for the catalog's upload routes, the only ones taking large (multipart) bodies."""
    rest = public_path(path)
    return ((method == "POST" and rest in ("/books", "/books/"))
            or (method == "PATCH" and _BOOK.fullmatch(rest) is not None))


def body_limit(method: str, path: str, *, upload_bytes: int) -> int:
    """The largest body accepted for this request: an upload's size limit plus its form, else
    the 1 MiB every other route allows."""
    if is_upload(method, path):
        return upload_bytes + UPLOAD_FORM_ALLOWANCE
    return MAX_BODY_BYTES
