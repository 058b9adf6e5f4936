"""Merge the services' OpenAPI documents into one (pure: no I/O)."""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .routing import route

_REF = "#/components/"


def merge_documents(documents: Mapping[str, dict], *, title: str, version: str) -> dict:
    """One OpenAPI 3 document with every public path of every service.

    Paths the gateway does not route (e.g. `/internal/...`) are left out. A component name used by
    two services for different definitions is renamed `<service>_<name>` in the later one.
    """
    merged: dict[str, Any] = {"openapi": "3.1.0", "info": {"title": title, "version": version},
                              "paths": {}, "components": {}}
    tags: dict[str, dict] = {}
    for service, document in documents.items():
        document = _rename_clashes(service, document, merged["components"])
        for path, operations in (document.get("paths") or {}).items():
            if route(path) is not None:
                merged["paths"].setdefault(path, {}).update(operations)
        for section, items in (document.get("components") or {}).items():
            merged["components"].setdefault(section, {}).update(items)
        for tag in document.get("tags") or []:
            if isinstance(tag, dict) and "name" in tag:
                tags.setdefault(tag["name"], tag)
    if tags:
        merged["tags"] = list(tags.values())
    return merged


def _rename_clashes(service: str, document: dict, known: dict) -> dict:
    renames: dict[str, str] = {}
    for section, items in (document.get("components") or {}).items():
        for name, definition in (items or {}).items():
            existing = known.get(section, {}).get(name)
            if existing is not None and existing != definition:
                renames[f"{_REF}{section}/{name}"] = f"{_REF}{section}/{service}_{name}"
    if not renames:
        return document
    document = _rewrite_refs(copy.deepcopy(document), renames)
    for section, items in document.get("components", {}).items():
        for old in [n for n in items if f"{_REF}{section}/{n}" in renames]:
            items[f"{service}_{old}"] = items.pop(old)
    return document


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value in renames:
                node[key] = renames[value]
            else:
                _rewrite_refs(value, renames)
    elif isinstance(node, list):
        for item in node:
            _rewrite_refs(item, renames)
    return node
