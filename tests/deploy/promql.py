"""Just enough PromQL reading for the dashboard tests: which series and labels a query names.

Not a parser: it removes what cannot be a metric name (strings, label matchers, ranges, grouping
clauses, function calls, keywords, numbers) and keeps the identifiers that are left.
"""
from __future__ import annotations

import re

GROUPING = r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)"
KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
            "group_left", "group_right", "inf", "nan"}
IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
# Grafana's variables, replaced by what they stand for when Grafana sends the query.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h",
                     "$job": ".*"}
# Series a metric family of each type exposes (prometheus_client names counters without _total).
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"),
            "summary": ("", "_sum", "_count"), "gauge": ("",), "unknown": ("",), "info": ("_info",)}


def dashboard_queries(dashboard: dict) -> list[str]:
    """Every PromQL expression of every panel (rows included, collapsed or not)."""
    exprs: list[str] = []
    for panel in dashboard["panels"]:
        for inner in [panel, *panel.get("panels", [])]:
            exprs += [t["expr"] for t in inner.get("targets", [])]
    return exprs


def as_prometheus_sees_it(expr: str) -> str:
    """The expression with Grafana's variables replaced, as Prometheus receives it."""
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def _without_noise(expr: str, *, keep_groupings: bool = False) -> str:
    expr = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)  # string literals
    expr = re.sub(r"\{[^}]*\}", " ", expr)                               # label matchers
    expr = re.sub(r"\[[^\]]*\]", " ", expr)                              # ranges, subqueries
    return expr if keep_groupings else re.sub(GROUPING, " ", expr)


def metric_names(expr: str) -> set[str]:
    """The series names an expression reads (`rate(x_bucket[5m])` -> {"x_bucket"})."""
    rest = _without_noise(expr)
    names = set()
    for match in IDENTIFIER.finditer(rest):
        word, after = match.group(), rest[match.end():].lstrip()
        if after.startswith("(") or word.lower() in KEYWORDS:
            continue  # a function or aggregation, or an operator word
        if match.start() and rest[match.start() - 1].isdigit():
            continue  # the exponent or unit of a number (1e3, 5m)
        names.add(word)
    return names


def grouping_labels(expr: str) -> set[str]:
    """Labels named in `by (...)`/`on (...)`/... clauses."""
    clauses = re.findall(GROUPING, _without_noise(expr, keep_groupings=True))
    return {label.strip() for clause in clauses for label in clause.split(",") if label.strip()}


def exposed_series(families) -> dict[str, set[str]]:
    """Series name -> label names seen, for prometheus_client's parsed metric families.

    A family declared without samples yet (a labelled counter nothing has counted) still counts
    as exposed, with no labels known.
    """
    exposed: dict[str, set[str]] = {}
    for family in families:
        for suffix in SUFFIXES.get(family.type, ("",)):
            exposed.setdefault(family.name + suffix, set())
        for sample in family.samples:
            exposed.setdefault(sample.name, set()).update(sample.labels)
    return exposed
