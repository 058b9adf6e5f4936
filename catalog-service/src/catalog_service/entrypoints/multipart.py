"""Multipart book forms parsed as a stream: text fields in memory (small), the PDF straight to a
staged file, counted as it arrives so an oversized upload is never held in memory."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from bookstore_shared.errors import ApiError
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ..adapters.storage import FileStorage
from ..domain.exceptions import InvalidField, UploadTooLarge

FIELD_MAX_BYTES = 64 * 1024
FIELDS_ALLOWANCE = 1024 * 1024  # room for text fields and multipart framing around the file
MAX_FIELDS = 32
FILE_FIELD = "pdf"


@dataclass
class StagedFile:
    """An uploaded file on local disk, not yet checked or stored."""

    path: Path
    size: int = 0
    sha256: str = ""
    filename: str | None = None


@dataclass
class BookForm:
    """Text fields (as given) and the staged PDF, if one was sent."""

    fields: dict[str, str] = field(default_factory=dict)
    pdf: StagedFile | None = None

    def discard(self) -> None:
        """Remove the staged file if it was not stored."""
        if self.pdf is not None:
            self.pdf.path.unlink(missing_ok=True)


class _Collector:
    """python-multipart callbacks: fields into memory, the `pdf` part into a staged file."""

    def __init__(self, form: BookForm, storage: FileStorage, max_file: int):
        self.form, self.storage, self.max_file = form, storage, max_file
        self.header_name = self.header_value = b""
        self.disposition = b""
        self.name: str | None = None
        self.data = bytearray()
        self.to_file = False
        self.pending: list[bytes] = []
        self.hasher = hashlib.sha256()
        self.complete = False  # the closing boundary was seen

    def on_end(self) -> None:
        self.complete = True

    def on_part_begin(self) -> None:
        self.disposition, self.data, self.to_file, self.name = b"", bytearray(), False, None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.strip().lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name = self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        self.name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            if len(self.form.fields) >= MAX_FIELDS:
                raise InvalidField("form", "has too many fields")
            return
        if self.name != FILE_FIELD:
            raise InvalidField(self.name or "file", "unexpected file field (send the file as pdf)")
        if self.form.pdf is not None:
            raise InvalidField(FILE_FIELD, "only one file may be sent")
        filename = options[b"filename"].decode("utf-8", "replace")
        if not filename:
            return  # a browser's "no file chosen"
        self.form.pdf = StagedFile(self.storage.staging_path(), filename=filename)
        self.to_file = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.to_file:
            pdf = self.form.pdf
            pdf.size += len(chunk)
            if pdf.size > self.max_file:
                raise UploadTooLarge()
            self.hasher.update(chunk)
            self.pending.append(chunk)
        elif self.name is not None:
            self.data += chunk
            if len(self.data) > FIELD_MAX_BYTES:
                raise InvalidField(self.name or "field", "is too long")

    def on_part_end(self) -> None:
        if self.to_file:
            self.form.pdf.sha256 = self.hasher.hexdigest()
        elif self.name:
            try:
                self.form.fields[self.name] = self.data.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidField(self.name, "must be UTF-8 text") from None


async def read_multipart(request: Request, form: BookForm, boundary: bytes,
                          storage: FileStorage, max_file: int) -> None:
    collector = _Collector(form, storage, max_file)
    callbacks = {name: getattr(collector, name) for name in (
        "on_part_begin", "on_header_field", "on_header_value", "on_header_end",
        "on_headers_finished", "on_part_data", "on_part_end", "on_end")}
    parser = MultipartParser(boundary, callbacks)
    sink = None
    too_large, dropped = False, 0
    try:
        async for chunk in request.stream():
            if too_large:  # keep reading (bounded) so the client can read our 413
                dropped += len(chunk)
                if dropped > max_file + FIELDS_ALLOWANCE:
                    break
                continue
            try:
                parser.write(chunk)
            except UploadTooLarge:
                too_large = True
                continue
            if collector.pending:
                if sink is None:
                    sink = await run_in_threadpool(open, form.pdf.path, "wb")
                data, collector.pending = b"".join(collector.pending), []
                await run_in_threadpool(sink.write, data)
        if too_large:
            raise UploadTooLarge()
        parser.finalize()
        if not collector.complete:
            # python-multipart accepts a body that stops early; a cut-off upload would be
            # stored truncated
            raise ApiError(400, "Malformed multipart body",
                           error="the body ended before its closing boundary")
        if form.pdf is not None and sink is None:
            sink = await run_in_threadpool(open, form.pdf.path, "wb")  # an empty file
    except FormParserError:
        raise ApiError(400, "Malformed multipart body",
                       error="send multipart/form-data with title, author, price, stock and pdf")
    finally:
        if sink is not None:
            await run_in_threadpool(sink.close)
