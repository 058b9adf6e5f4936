"""Catalog settings: the shared ones plus the upload limit and where PDFs are stored."""
from __future__ import annotations

from pathlib import Path

from bookstore_shared.settings import BaseServiceSettings
from pydantic import Field


class Settings(BaseServiceSettings):
    """`BOOKSTORE_MAX_UPLOAD_MB` caps PDF uploads; `BOOKSTORE_PDF_DIR` overrides the storage dir."""

    service_name: str = "catalog"
    max_upload_mb: float = Field(16, gt=0, le=1024)
    pdf_dir: Path | None = None

    @property
    def max_upload_bytes(self) -> int:
        """The PDF size limit in bytes."""
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def storage_dir(self) -> Path:
        """Where PDFs live: `<BOOKSTORE_DATA_DIR>/<instance>/pdfs` unless configured."""
        return Path(self.pdf_dir or Path(self.data_dir) / self.instance / "pdfs")
