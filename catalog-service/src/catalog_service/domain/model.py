"""Pure rules of the catalog: field validation, exact prices, and the stock shown to clients."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from .exceptions import InvalidField, MissingFields

MAX_PRICE = Decimal("1000000.00")
MAX_STOCK = 1_000_000
MAX_TITLE = 255
MAX_AUTHOR = 255
MAX_DESCRIPTION = 10_000
REQUIRED_FIELDS = ("title", "author", "price", "stock", "pdf")
AI_STATUSES = ("pending", "ready", "no_text", "failed", "none")
_PRICE = re.compile(r"^[0-9]{1,7}(\.[0-9]{1,2})?$")
_STOCK = re.compile(r"^[0-9]{1,7}$")


def parse_price(raw: object) -> Decimal:
    """An exact price with at most two decimals, 0 <= price <= MAX_PRICE."""
    text = str(raw).strip() if raw is not None else ""
    if isinstance(raw, float):
        raise InvalidField("price", "must be given as a decimal string or integer, not a float")
    if isinstance(raw, bool) or not text:
        raise InvalidField("price", "must be a number like 19.99")
    if text.startswith("-"):
        raise InvalidField("price", "must not be negative")
    if not _PRICE.match(text):
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise InvalidField("price", "must be a number like 19.99") from None
        if not value.is_finite():
            raise InvalidField("price", "must be a finite number")
        if value > MAX_PRICE:
            raise InvalidField("price", f"must not exceed {MAX_PRICE}")
        if value.as_tuple().exponent < -2:  # type: ignore[operator]
            raise InvalidField("price", "must have at most two decimals")
        raise InvalidField("price", "must be a plain number like 19.99")
    value = Decimal(text)
    if value > MAX_PRICE:
        raise InvalidField("price", f"must not exceed {MAX_PRICE}")
    return value.quantize(Decimal("0.01"))


def parse_stock(raw: object) -> int:
    """A whole number of copies, 0 <= stock <= MAX_STOCK."""
    if isinstance(raw, (bool, float)):
        raise InvalidField("stock", "must be a whole number")
    text = str(raw).strip() if raw is not None else ""
    if text.startswith("-"):
        raise InvalidField("stock", "must not be negative")
    if not _STOCK.match(text):
        if text.isascii() and text.isdigit():
            raise InvalidField("stock", f"must not exceed {MAX_STOCK}")
        raise InvalidField("stock", "must be a whole number")
    value = int(text)
    if value > MAX_STOCK:
        raise InvalidField("stock", f"must not exceed {MAX_STOCK}")
    return value


def clean_text(raw: object, field: str, max_len: int) -> str:
    """Trimmed, non-blank text no longer than `max_len`."""
    text = str(raw).strip() if raw is not None else ""
    if not text:
        raise InvalidField(field, "must not be blank")
    if len(text) > max_len:
        raise InvalidField(field, f"must be at most {max_len} characters")
    if any(ord(c) < 32 and c not in "\n\r\t" for c in text):
        raise InvalidField(field, "must not contain control characters")
    return text


@dataclass(frozen=True)
class BookFields:
    """Validated book fields; None means "not given" (PATCH) or "none" (description)."""

    title: str | None = None
    author: str | None = None
    price: Decimal | None = None
    stock: int | None = None
    description: str | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in (self.title, self.author, self.price, self.stock,
                                       self.description))


def _present(value: object) -> bool:
    return value is not None and str(value).strip() != ""


def validate_new_book(form: dict[str, object], *, has_pdf: bool) -> BookFields:
    """Fields of POST /books: all of REQUIRED_FIELDS, optional description."""
    missing = [f for f in REQUIRED_FIELDS if not (has_pdf if f == "pdf" else _present(form.get(f)))]
    if missing:
        raise MissingFields(missing)
    return BookFields(
        title=clean_text(form["title"], "title", MAX_TITLE),
        author=clean_text(form["author"], "author", MAX_AUTHOR),
        price=parse_price(form["price"]), stock=parse_stock(form["stock"]),
        description=(clean_text(form["description"], "description", MAX_DESCRIPTION)
                     if _present(form.get("description")) else None))


def validate_changes(form: dict[str, object]) -> BookFields:
    """Fields of PATCH /books/{id}: any subset; a given field must be valid."""
    return BookFields(
        title=clean_text(form["title"], "title", MAX_TITLE) if "title" in form else None,
        author=clean_text(form["author"], "author", MAX_AUTHOR) if "author" in form else None,
        price=parse_price(form["price"]) if "price" in form else None,
        stock=parse_stock(form["stock"]) if "stock" in form else None,
        description=(clean_text(form["description"], "description", MAX_DESCRIPTION)
                     if "description" in form else None))


@dataclass(frozen=True)
class StockState:
    """Read-your-writes stock: what inventory confirmed, and what the catalog last published.

    The catalog publishes an admin's stock with an increasing version. Until inventory reports
    that version (or a newer one), clients see the published value; afterwards they see
    inventory's, which also moves with reservations and releases.
    """

    confirmed_stock: int
    confirmed_version: int
    published_stock: int
    published_version: int
    confirmed_revision: int = 0

    @classmethod
    def new(cls, stock: int) -> StockState:
        """A new book: version 1 published, nothing confirmed yet."""
        return cls(confirmed_stock=stock, confirmed_version=0, published_stock=stock,
                   published_version=1)

    @property
    def shown(self) -> int:
        """The stock clients see."""
        if self.published_version > self.confirmed_version:
            return self.published_stock
        return self.confirmed_stock

    def publish(self, stock: int) -> StockState:
        """An admin set the stock: a new version to publish."""
        return replace(self, published_stock=stock, published_version=self.published_version + 1)

    def observe(self, stock: int, version: int | None, revision: int | None = None) -> StockState:
        """Inventory reported `stock` as of `version` and its per-book `revision`.

        Reports are ordered by (version, revision): with several inventory replicas they can
        arrive out of order, and an older one must not replace a newer one.
        """
        if version is None:
            version = self.confirmed_version
        if version < self.confirmed_version:
            return self
        if revision is not None and version == self.confirmed_version \
                and revision <= self.confirmed_revision:
            return self
        return replace(self, confirmed_stock=stock, confirmed_version=version,
                       confirmed_revision=revision if revision is not None
                       else self.confirmed_revision)
