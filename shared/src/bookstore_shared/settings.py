"""Configuration shared by every service (names are a public interface, see ARCHITECTURE.md)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from . import services
from .deployment import parse_networks

# Default `batch_linger_ms` of the services an order passes through on its way to PROCESSING
# (order, inventory): a few milliseconds per hop, which a buyer watching the order does not notice.
SAGA_PATH_LINGER_MS = 20
# ... and of the services nobody waits on at that scale (emails, shipments, the catalog's stock
# and download rights): larger batches, so fewer transactions, for up to 0.25 s more per hop.
BACKGROUND_LINGER_MS = 250


def background_linger() -> Any:
    """The `batch_linger_ms` field of a service off an order's way to PROCESSING."""
    return Field(BACKGROUND_LINGER_MS, ge=0, le=1000)


class _ServiceUrls(PydanticBaseSettingsSource):
    """BOOKSTORE_<NAME>_URL of the environment, for any service, as {name: url}."""

    def get_field_value(self, field, field_name):  # pragma: no cover - __call__ does the work
        return None, field_name, False

    def __call__(self) -> dict:
        urls = {key[len("BOOKSTORE_"):-len("_URL")].lower(): value
                for key, value in os.environ.items()
                if key.startswith("BOOKSTORE_") and key.endswith("_URL") and value
                and key not in _NOT_SERVICES}
        return {"service_urls": urls} if urls else {}


# BOOKSTORE_*_URL names that are settings of their own, not a service's address.
_NOT_SERVICES = frozenset({"BOOKSTORE_MYSQL_URL", "BOOKSTORE_RABBITMQ_URL"})


class BaseServiceSettings(BaseSettings):
    """Settings every service reads; a service subclasses it and sets `service_name`.

    Each field `x` is read from the environment variable BOOKSTORE_X (the names are a public
    interface, listed in docs/CONFIGURATION.md); DATABASE_URL is the one exception.
    """

    model_config = SettingsConfigDict(env_prefix="BOOKSTORE_", env_file=".env", extra="ignore")

    service_name: str = "shared"

    mysql_url: str | None = None
    database_url: str | None = Field(None, validation_alias=AliasChoices("DATABASE_URL",
                                                                         "database_url"))
    rabbitmq_url: str | None = None
    instance: str = Field("bookstore", pattern=r"^[A-Za-z0-9_]{1,40}$")
    host: str = "127.0.0.1"
    port_base: int = Field(8080, ge=1, le=65000)
    data_dir: Path = Path("./var")
    queue_type: str = Field("classic", pattern="^(classic|quorum)$")
    prefetch: int = Field(64, ge=1)
    consumers: int = Field(1, ge=1, le=64)
    # How long a busy queue's batch waits for more deliveries (bus/linger.py); 0: never waits.
    # The services on an order's way to PROCESSING keep this; the others wait longer
    # (BACKGROUND_LINGER_MS).
    batch_linger_ms: int = Field(SAGA_PATH_LINGER_MS, ge=0, le=1000)
    # Delays before each redelivery of a failed event; after the last it is dead-lettered.
    retry_delays_ms: str = Field("500,2000,8000,30000", pattern=r"^\d+(,\d+)*$")
    log_level: str = "INFO"
    # development (default: `make run`, tests) or production (compose, Kubernetes): production
    # refuses example passwords and placeholder secrets, and needs the internal token.
    environment: str = Field("development", pattern="^(development|production)$")
    # The credential services present to each other's /internal routes (bookstore_shared.internal)
    internal_token: SecretStr | None = Field(None, min_length=16)
    # Peers (CIDRs, comma-separated) whose X-Forwarded-For is believed; anyone else is the client.
    trusted_proxies: str = "127.0.0.1/32,::1/128"
    # Where other services live, from BOOKSTORE_<NAME>_URL; unset: BOOKSTORE_HOST on the base
    # port plus the service's registered offset (bookstore_shared.services).
    service_urls: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        return (init_settings, env_settings, _ServiceUrls(settings_cls), dotenv_settings,
                file_secret_settings)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)  # raises ValueError naming the entry that is not a CIDR
        return value

    @property
    def trusted_networks(self) -> list[str]:
        """BOOKSTORE_TRUSTED_PROXIES as a list of CIDRs (uvicorn's forwarded_allow_ips)."""
        return [str(n) for n in parse_networks(self.trusted_proxies)]

    @property
    def port(self) -> int:
        """The port this service binds."""
        return self.port_base + _offset(self.service_name)

    @property
    def standalone(self) -> bool:
        """True when no broker is configured: the in-process bus is used."""
        return not self.rabbitmq_url

    @property
    def exchange(self) -> str:
        """The instance's topic exchange for integration events."""
        return f"{self.instance}.events"

    def service_names(self) -> tuple[str, ...]:
        """Every service of the system: those installed here (in a container, only this one)
        and those whose URL is configured."""
        installed = services.names()
        return installed + tuple(sorted(set(self.service_urls) - set(installed)))

    def service_url(self, name: str) -> str:
        """Base URL of another service (configured, else derived from host and port base)."""
        configured = self.service_urls.get(name)
        if configured:
            return configured.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port_base + services.service(name).port_offset}"


def _offset(name: str) -> int:
    try:
        return services.service(name).port_offset
    except services.UnknownService:  # settings of a library or a test, not of a service
        return 0
