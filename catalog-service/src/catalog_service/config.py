"""Catalog settings: the shared ones plus the upload limit and where PDFs are stored."""
from __future__ import annotations

from pathlib import Path

from bookstore_shared.settings import BaseServiceSettings, background_linger
from pydantic import Field


class Settings(BaseServiceSettings):
    """`BOOKSTORE_MAX_UPLOAD_MB` caps PDF uploads; `BOOKSTORE_PDF_DIR` overrides the storage dir;
    `BOOKSTORE_PDF_MAX_AGE_S`: how long another service may use a PDF it fetched from the internal
    route before asking again (its purchase emails carry a replaced PDF at most that much later;
    0: ask every time)."""

    service_name: str = "catalog"
    # off an order's way to PROCESSING: the stock it shows and download rights follow ~0.1 s later
    batch_linger_ms: int = background_linger()
    max_upload_mb: float = Field(16, gt=0, le=1024)
    pdf_dir: Path | None = None
    pdf_max_age_s: int = Field(30, ge=0, le=3600)

    @property
    def max_upload_bytes(self) -> int:
        """The PDF size limit in bytes."""
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def storage_dir(self) -> Path:
        """Where PDFs live: `<BOOKSTORE_DATA_DIR>/<instance>/pdfs` unless configured."""
        return Path(self.pdf_dir or Path(self.data_dir) / self.instance / "pdfs")
