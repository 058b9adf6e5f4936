"""The admin event feed's query string: `pattern` (repeatable), `correlation_id`, `order_id`."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl

from bookstore_shared.eventfeed import EventFilter

FEED_PATHS = frozenset({"/admin/events", "/admin/events/"})
MAX_PATTERNS = 20
# Routing-key words (or the `*` / `#` wildcards) separated by dots.
_PATTERN = re.compile(r"^(?:[A-Za-z0-9_-]+|\*|#)(?:\.(?:[A-Za-z0-9_-]+|\*|#))*$")


class BadFeedQuery(ValueError):
    """The query string does not describe a filter."""


def feed_filter(query_string: bytes) -> EventFilter:
    """An `EventFilter` from the query; raises BadFeedQuery with a message for the client."""
    params = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    patterns = [v.strip() for k, v in params if k == "pattern" and v.strip()] or ["#"]
    if len(patterns) > MAX_PATTERNS:
        raise BadFeedQuery(f"at most {MAX_PATTERNS} patterns")
    for pattern in patterns:
        if len(pattern) > 255 or not _PATTERN.match(pattern):
            raise BadFeedQuery(f"invalid pattern: {pattern[:80]!r}")
    values = dict(params)
    correlation_id = values.get("correlation_id", "").strip() or None
    if correlation_id is not None and len(correlation_id) > 128:
        raise BadFeedQuery("correlation_id is too long")
    raw_order = values.get("order_id", "").strip()
    order_id = None
    if raw_order:
        if not raw_order.isdigit() or len(raw_order) > 18:
            raise BadFeedQuery("order_id must be a positive integer")
        order_id = int(raw_order)
    return EventFilter(patterns=tuple(patterns), correlation_id=correlation_id, order_id=order_id)
