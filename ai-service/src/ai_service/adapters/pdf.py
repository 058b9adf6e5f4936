"""Text extraction with pypdf, page by page."""
from __future__ import annotations

import io
import logging

from pypdf import PdfReader

from ..domain.exceptions import PdfUnreadable

log = logging.getLogger(__name__)


def extract_pages(data: bytes) -> list[str]:
    """The text of every page ("" for a page without text); PdfUnreadable if it is no PDF."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        pages = list(reader.pages)
    except Exception:  # noqa: BLE001 - pypdf raises many types for broken files
        raise PdfUnreadable() from None
    texts = []
    for number, page in enumerate(pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:  # noqa: BLE001 - one broken page must not lose the book
            log.warning("page text not extracted", extra={"page": number,
                                                          "error": type(exc).__name__})
            texts.append("")
    return texts
