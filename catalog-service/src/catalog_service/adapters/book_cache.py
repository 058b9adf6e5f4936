"""This process's rendered books and listing pages, and the bookkeeping that keeps them current.

Entries are only ever stored by a load that provably started after the last change to everything
it shows (a `ticket` taken before the database read), and a change drops them twice: when its
transaction is about to commit (loads in between are served but not kept) and after it ends.
"""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

PageKey = Hashable


@dataclass(frozen=True)
class Rendered:
    """A JSON answer as sent: body, strong ETag and, for a page, its total and the books on it."""

    body: bytes
    etag: str
    total: int | None = None
    ids: tuple[int, ...] = ()


class _Entries(dict):
    """Rendered answers bounded in number and in bytes; the oldest go first."""

    def __init__(self, max_count: int, max_bytes: int):
        super().__init__()
        self.max_count, self.max_bytes, self.bytes = max_count, max_bytes, 0

    def put(self, key, value: Rendered) -> list[tuple[object, Rendered]]:
        """Store, evicting the oldest entries beyond the bounds; returns what was evicted."""
        self.pop(key, None)
        evicted = []
        while self and (len(self) >= self.max_count
                        or self.bytes + len(value.body) > self.max_bytes):
            oldest = next(iter(self))
            evicted.append((oldest, self.pop(oldest)))
        self[key] = value
        self.bytes += len(value.body)
        return evicted

    def pop(self, key, default=None):
        value = super().pop(key, None)
        if value is None:
            return default
        self.bytes -= len(value.body)
        return value

    def clear(self) -> None:
        super().clear()
        self.bytes = 0


class BookCache:
    """Items by book id and pages by query, bounded in number and bytes (oldest first out)."""

    def __init__(self, *, max_items: int = 20_000, max_pages: int = 2_000,
                 max_bytes: int = 64 * 1024 * 1024, max_tracked: int = 100_000,
                 receiving: bool = True):
        self._items = _Entries(max_items, max_bytes)
        self._pages = _Entries(max_pages, max_bytes)
        self._pages_of: dict[int, set[PageKey]] = {}
        self._max_tracked = max_tracked
        self._lock = threading.Lock()
        self._seq = 0
        self._changed_at: dict[int, int] = {}  # book id -> seq of its last change
        self._relisted_at = 0  # seq of the last change to which books a query finds
        self._floor = 0  # loads that started before this seq keep nothing (tracking was reset)
        self._writing: Counter[int] = Counter()  # books with a change being committed
        self._relisting = 0  # changes to membership being committed
        self._receiving = receiving  # are other processes' changes reaching this one?

    # ---- the hot path (no lock: single dict reads) --------------------------------------------
    def item(self, book_id: int) -> Rendered | None:
        return self._items.get(book_id)

    def page(self, key: PageKey) -> Rendered | None:
        return self._pages.get(key)

    def ticket(self) -> int:
        """Take before reading the database; pass to `keep_*` with what was read."""
        return self._seq

    # ---- loads ----------------------------------------------------------------------------------
    def keep_item(self, ticket: int, book_id: int, rendered: Rendered) -> None:
        with self._lock:
            if self._receiving and self._fresh(ticket, book_id):
                self._items.put(book_id, rendered)

    def keep_page(self, ticket: int, key: PageKey, rendered: Rendered) -> None:
        with self._lock:
            if not self._receiving or self._relisting \
                    or max(self._relisted_at, self._floor) > ticket:
                return
            if not all(self._fresh(ticket, book_id) for book_id in rendered.ids):
                return
            self._drop_page(key)
            for old_key, old in self._pages.put(key, rendered):
                self._unindex(old_key, old)
            for book_id in rendered.ids:
                self._pages_of.setdefault(book_id, set()).add(key)

    def _fresh(self, ticket: int, book_id: int) -> bool:
        return (self._floor <= ticket and not self._writing[book_id]
                and self._changed_at.get(book_id, 0) <= ticket)

    # ---- changes --------------------------------------------------------------------------------
    def begin(self, books: Iterable[int], *, relisted: bool) -> None:
        """A transaction changing these books is about to commit."""
        books = tuple(books)
        with self._lock:
            for book_id in books:
                self._writing[book_id] += 1
            self._relisting += relisted
            self._mark(books, relisted=relisted)

    def end(self, books: Iterable[int], *, relisted: bool, begun: bool) -> None:
        """That transaction ended (committed or not)."""
        books = tuple(books)
        with self._lock:
            if begun:
                for book_id in books:
                    self._writing[book_id] -= 1
                    if not self._writing[book_id]:
                        del self._writing[book_id]
                self._relisting -= relisted
            self._mark(books, relisted=relisted)

    def changed(self, books: Iterable[int], *, relisted: bool = False) -> None:
        """Another process changed these books (it has committed)."""
        with self._lock:
            self._mark(books, relisted=relisted)

    def receiving(self, connected: bool) -> None:
        """Other processes' changes start (again) or stop reaching this one: keep nothing while
        they do not, and forget what was kept, which may be missing one."""
        with self._lock:
            self._receiving = connected
            self._clear()

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        self._seq += 1
        self._floor = self._seq
        self._changed_at.clear()
        self._items.clear()
        self._pages.clear()
        self._pages_of.clear()

    def _mark(self, books: Iterable[int], *, relisted: bool) -> None:
        self._seq += 1
        if len(self._changed_at) > self._max_tracked:  # forgetting is safe when no load can store
            self._changed_at.clear()
            self._floor = self._seq
        for book_id in books:
            self._changed_at[book_id] = self._seq
            self._items.pop(book_id, None)
            for key in list(self._pages_of.get(book_id, ())):
                self._drop_page(key)
        if relisted:
            self._relisted_at = self._seq
            self._pages.clear()
            self._pages_of.clear()

    def _drop_page(self, key: PageKey) -> None:
        page = self._pages.pop(key, None)
        if page is not None:
            self._unindex(key, page)

    def _unindex(self, key: PageKey, page: Rendered) -> None:
        for book_id in page.ids:
            keys = self._pages_of.get(book_id)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._pages_of[book_id]

