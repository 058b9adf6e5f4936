"""Which services exist: each service registers itself, the shared library names none of them.

A service declares one entry point in its pyproject.toml, pointing at a `Service` in its package:

    [project.entry-points."bookstore.services"]
    inventory = "inventory_service:SERVICE"

    # inventory_service/__init__.py
    SERVICE = Service(name="inventory", port_offset=4)

The launcher starts what is registered (and installed), each service binds
BOOKSTORE_PORT_BASE + its offset, and another service's base URL is BOOKSTORE_<NAME>_URL when
set, else derived from that offset. Adding a service is adding its folder; nothing here changes.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from importlib.metadata import entry_points

GROUP = "bookstore.services"


@dataclass(frozen=True)
class Service:
    """A service's registration: its name, its port offset, and whether it must start last."""

    name: str
    port_offset: int
    # The edge (the gateway) starts after the others, so its upstreams answer its first requests.
    starts_last: bool = False
    # The Python package holding the service (filled in from the entry point).
    package: str = ""


class UnknownService(LookupError):
    """A name no installed service registered."""


@functools.cache
def registered() -> tuple[Service, ...]:
    """Every installed service, in start order (by port offset, the edge last)."""
    found: dict[str, Service] = {}
    for point in entry_points(group=GROUP):
        service = point.load()
        if not isinstance(service, Service) or service.name != point.name:
            raise TypeError(f"entry point {point.name} = {point.value} is not its Service")
        found[service.name] = replace(service, package=point.value.split(":")[0].split(".")[0])
    offsets = [s.port_offset for s in found.values()]
    if len(set(offsets)) != len(offsets):
        raise ValueError(f"two services share a port offset: {sorted(found.values(), key=repr)}")
    return tuple(sorted(found.values(), key=lambda s: (s.starts_last, s.port_offset)))


def service(name: str) -> Service:
    """The registration of one service by name."""
    for candidate in registered():
        if candidate.name == name:
            return candidate
    raise UnknownService(f"no service named {name!r} is installed "
                         f"(installed: {', '.join(names())})")


def names() -> tuple[str, ...]:
    """The names of every installed service, in start order."""
    return tuple(s.name for s in registered())


def port_span() -> int:
    """How many consecutive ports from the base port the whole system binds."""
    return max((s.port_offset for s in registered()), default=0) + 1
