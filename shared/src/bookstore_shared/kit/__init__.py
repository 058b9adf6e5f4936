"""The service kit: typed handlers, unit of work, batched consumption, one container per service.

docs/SERVICE_KIT.md describes how a service is written with it.
"""
from __future__ import annotations

from .consumer import BatchedConsumer, consume, subscribe_in_memory  # noqa: F401
from .registry import Dispatcher, HandlerRegistry, Only, RetryLater, routing_key_of  # noqa: F401
from .unit_of_work import (  # noqa: F401
    InMemoryUnitOfWork,
    SqlUnitOfWork,
    UnitOfWork,
    ids_named,
)
