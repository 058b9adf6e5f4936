"""Static checks of deploy/: images, compose, Kubernetes, broker topology. No infrastructure."""
from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
if str(DEPLOY) not in sys.path:
    sys.path.insert(0, str(DEPLOY))


def service_settings_class(pkg: str):
    """`<pkg>.config.Settings`; skips while that service's code is still being written."""
    if importlib.util.find_spec(f"{pkg}.config") is None:
        pytest.skip(f"{pkg}.config does not exist yet")
    return importlib.import_module(f"{pkg}.config").Settings


def env_names(settings_cls) -> set[str]:
    """Every environment variable a Settings class reads (from the fields' validation aliases)."""
    names: set[str] = set()
    for field in settings_cls.model_fields.values():
        alias = field.validation_alias
        if alias is None:
            continue
        for choice in getattr(alias, "choices", [alias]):
            if isinstance(choice, str):
                names.add(choice)
    return names
