"""The composition root: database, bus, outbox, unit of work, hashing and the signing key."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bookstore_shared.bus import Bus
from bookstore_shared.kit.container import Container
from bookstore_shared.runtime import ServiceRuntime

from .adapters.keys import load_or_create
from .adapters.orm import INBOX, OUTBOX
from .adapters.passwords import Passwords
from .config import Settings
from .service_layer.context import AuthContext
from .service_layer.unit_of_work import AuthUnitOfWork

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(kw_only=True)
class AuthContainer(Container):
    """The kit's container plus what auth's use cases need besides a unit of work (hashing,
    clock, signing key): auth consumes no events, so it has no dispatcher."""

    auth: AuthContext

    def load_signing_key(self) -> None:
        """Install the configured key, else the stored one (generated on the first start)."""
        pem = self.auth.settings.jwt_private_key
        self.auth.install_key(load_or_create(self.runtime.sessions,
                                             pem.get_secret_value() if pem else None))


def bootstrap(settings: Settings, bus: Bus | None = None) -> AuthContainer:
    """Wire the auth service; connections open later, in the lifespan."""
    runtime = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX,
                             migrations_dir=MIGRATIONS, bus=bus)
    assert runtime.outbox is not None

    def uow() -> AuthUnitOfWork:
        return AuthUnitOfWork(runtime.sessions, runtime.outbox, producer=settings.service_name)

    return AuthContainer(settings=settings, runtime=runtime, uow=uow,
                         auth=AuthContext(settings=settings, passwords=Passwords()))
