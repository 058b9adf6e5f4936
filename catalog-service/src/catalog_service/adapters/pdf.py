"""Is an uploaded file really a PDF? Checked by its bytes with pypdf, never by name or type."""
from __future__ import annotations

import logging
from pathlib import Path

from pypdf import PdfReader

from ..domain.exceptions import InvalidPdf

logging.getLogger("pypdf").setLevel(logging.ERROR)


def check_pdf(path: Path, size: int) -> int:
    """Raise InvalidPdf unless pypdf opens the file and finds pages; returns the page count."""
    if size == 0:
        raise InvalidPdf("The PDF file is empty")
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        raise InvalidPdf("The file is not a PDF (no PDF header)")
    try:
        reader = PdfReader(str(path), strict=False)
        pages = len(reader.pages)
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds for broken files
        raise InvalidPdf(f"The PDF file could not be read ({type(exc).__name__})") from None
    if pages < 1:
        raise InvalidPdf("The PDF file has no pages")
    return pages
