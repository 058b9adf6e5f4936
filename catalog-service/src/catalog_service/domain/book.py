"""The Book aggregate as the catalog holds it, and what its generated texts say to a reader."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .model import StockState


@dataclass
class Generated:
    """Summary and description written by the ai service from the current PDF."""

    status: str = "none"  # pending | ready | no_text | failed | none
    summary: str | None = None
    description: str | None = None
    provider: str | None = None
    model: str | None = None
    error: str | None = None


@dataclass
class Book:
    """A book for sale: fields an admin gives, its PDF, stock as shown, generated texts."""

    id: int | None
    title: str
    author: str
    price: Decimal
    stock: StockState
    description: str | None = None
    pdf_key: str | None = None
    pdf_size: int | None = None
    pdf_sha256: str | None = None
    generated: Generated = field(default_factory=Generated)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def shown_description(self) -> str | None:
        """The admin's description, else the generated one."""
        return self.description or self.generated.description

    def pdf_replaced(self, key: str, size: int, sha256: str) -> None:
        """A new PDF: generated texts are redone from it."""
        self.pdf_key, self.pdf_size, self.pdf_sha256 = key, size, sha256
        self.generated = Generated(status="pending")

    def regeneration_requested(self) -> None:
        """An admin asked for new texts from the same PDF."""
        self.generated = Generated(status="pending", summary=self.generated.summary,
                                   description=self.generated.description,
                                   provider=self.generated.provider, model=self.generated.model)

    def summarized(self, *, pdf_key: str, status: str, summary: str | None,
                   description: str | None, provider: str | None, model: str | None,
                   error: str | None) -> bool:
        """Store the ai service's result if it is about the current PDF; True when stored."""
        if pdf_key != self.pdf_key:
            return False
        if status == "ready":
            self.generated = Generated("ready", summary, description, provider, model)
        else:
            self.generated = Generated(status, None, None, provider, model, error)
        return True
