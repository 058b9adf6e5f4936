"""What can go wrong while summarising a book."""
from __future__ import annotations


class SummaryFailed(Exception):
    """A permanent failure; `reason` is short and safe to publish (no keys, no traces)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason[:300]


class BookGone(Exception):
    """The catalog no longer has the book (or its PDF): the job is dropped."""


class PdfUnavailable(Exception):
    """The PDF could not be fetched right now (the catalog is down or erroring): try later."""


class PdfUnreadable(SummaryFailed):
    """The bytes are not a PDF pypdf can read."""

    def __init__(self) -> None:
        super().__init__("the PDF could not be read")
