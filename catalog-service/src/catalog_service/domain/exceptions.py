"""What can go wrong in the catalog, in words a client can act on."""
from __future__ import annotations


class CatalogError(Exception):
    """Base of the catalog's domain errors."""


class MissingFields(CatalogError):
    """A required field of a new book is absent or blank."""

    def __init__(self, fields: list[str]):
        super().__init__(f"missing: {', '.join(fields)}")
        self.fields = fields


class InvalidField(CatalogError):
    """A field has a value the catalog cannot accept."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidPdf(CatalogError):
    """The uploaded file is not a PDF that can be opened."""


class UploadTooLarge(CatalogError):
    """The upload exceeds the configured size limit."""


class BookNotFound(CatalogError):
    """No book has this id."""


class NoPdf(CatalogError):
    """The book has no PDF file."""


class NothingToUpdate(CatalogError):
    """A PATCH carried none of the book's fields."""
