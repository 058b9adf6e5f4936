"""The composition root: database, bus, outbox, hashing and the signing key."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bookstore_shared.bus import Bus
from bookstore_shared.runtime import ServiceRuntime

from .adapters.keys import load_or_create
from .adapters.orm import INBOX, OUTBOX
from .adapters.passwords import Passwords
from .config import Settings
from .service_layer.context import AuthContext

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class Container:
    """Everything the app and its lifespan use."""

    settings: Settings
    runtime: ServiceRuntime
    ctx: AuthContext

    def load_signing_key(self) -> None:
        """Install the configured key, else the stored one (generated on the first start)."""
        pem = self.settings.jwt_private_key
        self.ctx.install_key(load_or_create(self.runtime.sessions,
                                            pem.get_secret_value() if pem else None))


def bootstrap(settings: Settings, bus: Bus | None = None) -> Container:
    """Wire the auth service; connections open later, in the lifespan."""
    runtime = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX,
                             migrations_dir=MIGRATIONS, bus=bus)
    assert runtime.outbox is not None
    ctx = AuthContext(settings=settings, sessions=runtime.sessions, outbox=runtime.outbox,
                      passwords=Passwords())
    return Container(settings=settings, runtime=runtime, ctx=ctx)
