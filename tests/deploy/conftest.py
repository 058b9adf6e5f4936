"""Static checks of deploy/: images, compose, Kubernetes, broker topology. No infrastructure."""
from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest
from bookstore_shared.services import registered

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
if str(DEPLOY) not in sys.path:
    sys.path.insert(0, str(DEPLOY))


def service_settings_class(pkg: str):
    """`<pkg>.config.Settings`; skips while that service's code is still being written."""
    if importlib.util.find_spec(f"{pkg}.config") is None:
        pytest.skip(f"{pkg}.config does not exist yet")
    return importlib.import_module(f"{pkg}.config").Settings


# Fields that are not read from one variable of their own: the service's name (a constant of its
# class) and the other services' URLs (each BOOKSTORE_<NAME>_URL).
NOT_VARIABLES = {"service_name", "service_urls"}


def env_names(settings_cls) -> set[str]:
    """Every environment variable a Settings class reads: the env prefix plus the field's name,
    or the upper-case names of its validation alias."""
    prefix = settings_cls.model_config["env_prefix"]
    names: set[str] = set()
    for name, field in settings_cls.model_fields.items():
        alias = field.validation_alias
        if name in NOT_VARIABLES:
            continue
        if alias is None:
            names.add(f"{prefix}{name}".upper())
            continue
        names.update(c for c in getattr(alias, "choices", [alias])
                     if isinstance(c, str) and c.isupper())
    return names


# (service name, package) of every registered service, in start order; the port offsets.
SERVICES = [(s.name, s.package) for s in registered()]
PORT_OFFSETS = {s.name: s.port_offset for s in registered()}
