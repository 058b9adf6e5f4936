"""Bookstore's test support: a development dependency, never installed in a service's image.

`bookstore_testing.plugin` (loaded by the root conftest) provides the real-infrastructure fixtures;
`bookstore_testing.ai` the fakes of the OpenAI API and of the catalog, and PDF builders.
"""
from __future__ import annotations

from .infrastructure import (  # noqa: F401
    Infrastructure,
    drop_instance,
    free_port_base,
    replica_env,
    served,
    system_env,
    wait_for,
)
