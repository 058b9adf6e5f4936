"""Page numbers from an API's offset paging (`X-Total-Count`)."""
from __future__ import annotations

from dataclasses import dataclass

MAX_PAGE = 100_000


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def count(self) -> int:
        """How many pages there are (at least one, even when empty)."""
        return max(1, -(-self.total // self.size))

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None


def page_number(raw: str | None) -> int:
    """A page number from the query string; anything that is not one means the first page."""
    if raw and raw.isdigit() and 0 < int(raw) <= MAX_PAGE:
        return int(raw)
    return 1
