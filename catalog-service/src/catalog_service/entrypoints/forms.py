"""Book forms from multipart (streamed, see multipart.py), urlencoded or JSON bodies."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl

from bookstore_shared.errors import ApiError
from python_multipart.multipart import parse_options_header
from starlette.requests import Request

from ..adapters.storage import FileStorage
from ..domain.exceptions import UploadTooLarge
from .multipart import FIELD_MAX_BYTES, FIELDS_ALLOWANCE, BookForm, read_multipart

__all__ = ["BookForm", "read_book_form"]


async def _drain(request: Request, limit: int) -> None:
    """Read and drop what the client is still sending (bounded), so it can read our answer."""
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            return


async def _read_small(request: Request) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > FIELD_MAX_BYTES * 2:
            raise ApiError(413, "Request too large")
    return bytes(body)


async def read_book_form(request: Request, *, storage: FileStorage, max_file: int) -> BookForm:
    """Parse multipart, urlencoded or JSON bodies; raises UploadTooLarge past `max_file`."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_file + FIELDS_ALLOWANCE:
        await _drain(request, 2 * max_file + FIELDS_ALLOWANCE)
        raise UploadTooLarge()
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    form = BookForm()
    try:
        if content_type == b"multipart/form-data":
            boundary = params.get(b"boundary")
            if not boundary:
                raise ApiError(400, "Malformed multipart body", error="the boundary is missing")
            await read_multipart(request, form, boundary, storage, max_file)
        elif content_type == b"application/x-www-form-urlencoded":
            body = (await _read_small(request)).decode("utf-8", "replace")
            form.fields = dict(parse_qsl(body, keep_blank_values=True))
        elif content_type == b"application/json":
            form.fields = _json_fields(await _read_small(request))
        elif content_type or int(length or 0) > 0:
            raise ApiError(415, "Unsupported media type",
                           error="send multipart/form-data (or JSON without a file)")
    except BaseException:
        form.discard()
        raise
    return form


def _json_fields(body: bytes) -> dict[str, str]:
    """A flat JSON object; numbers keep their literal text so prices stay exact."""
    try:
        data = json.loads(body or b"{}", parse_float=str, parse_int=str)
    except ValueError:
        raise ApiError(400, "Invalid JSON body") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Invalid JSON body", error="expected an object")
    return {str(k): str(v) for k, v in data.items() if v is not None and not isinstance(v, bool)}
