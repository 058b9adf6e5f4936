"""The one object a service's bootstrap() returns and its app keeps on `app.state.container`."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from ..runtime import ServiceRuntime
from ..settings import BaseServiceSettings
from .registry import Dispatcher
from .unit_of_work import UnitOfWork


@dataclass
class Container:
    """Settings, the runtime (engine, bus, relay), a unit-of-work factory and the event handlers."""

    settings: BaseServiceSettings
    runtime: ServiceRuntime
    uow: Callable[[], UnitOfWork]
    dispatcher: Dispatcher | None = None
    extras: dict[str, Any] = field(default_factory=dict)


def _unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    with request.app.state.container.uow() as uow:
        yield uow


UowDep = Annotated[UnitOfWork, Depends(_unit_of_work)]
"""A unit of work for one request (rolled back unless the route commits)."""
