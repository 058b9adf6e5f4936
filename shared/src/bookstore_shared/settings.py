"""Configuration shared by every service (names are a public interface, see ARCHITECTURE.md)."""
from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .deployment import parse_networks

# Each service listens on BOOKSTORE_PORT_BASE + its offset; the gateway owns the base port.
SERVICE_PORT_OFFSETS: dict[str, int] = {
    "gateway": 0,
    "auth": 1,
    "catalog": 2,
    "order": 3,
    "inventory": 4,
    "shipping": 5,
    "notification": 6,
    "ai": 7,
    "web": 8,
}


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class BaseServiceSettings(BaseSettings):
    """Settings every service reads; a service subclasses it and sets `service_name`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    service_name: str = "shared"

    mysql_url: str | None = Field(None, validation_alias=_env("BOOKSTORE_MYSQL_URL"))
    database_url: str | None = Field(None, validation_alias=_env("DATABASE_URL"))
    rabbitmq_url: str | None = Field(None, validation_alias=_env("BOOKSTORE_RABBITMQ_URL"))
    instance: str = Field("bookstore", validation_alias=_env("BOOKSTORE_INSTANCE"),
                          pattern=r"^[A-Za-z0-9_]{1,40}$")
    host: str = Field("127.0.0.1", validation_alias=_env("BOOKSTORE_HOST"))
    port_base: int = Field(8080, validation_alias=_env("BOOKSTORE_PORT_BASE"), ge=1, le=65000)
    data_dir: Path = Field(Path("./var"), validation_alias=_env("BOOKSTORE_DATA_DIR"))
    rabbitmq_queue_type: str = Field("classic", validation_alias=_env("BOOKSTORE_QUEUE_TYPE"),
                                     pattern="^(classic|quorum)$")
    prefetch: int = Field(64, validation_alias=_env("BOOKSTORE_PREFETCH"), ge=1)
    consumers: int = Field(4, validation_alias=_env("BOOKSTORE_CONSUMERS"), ge=1, le=64)
    max_delivery_attempts: int = Field(5, validation_alias=_env("BOOKSTORE_MAX_ATTEMPTS"), ge=1)
    retry_delays_ms: str = Field("500,2000,8000,30000",
                                 validation_alias=_env("BOOKSTORE_RETRY_DELAYS_MS"),
                                 pattern=r"^\d+(,\d+)*$")
    log_level: str = Field("INFO", validation_alias=_env("BOOKSTORE_LOG_LEVEL"))
    # development (default: `make run`, tests) or production (compose, Kubernetes): production
    # refuses example passwords and placeholder secrets, and needs the internal token.
    environment: str = Field("development", validation_alias=_env("BOOKSTORE_ENVIRONMENT"),
                             pattern="^(development|production)$")
    # The credential services present to each other's /internal routes (bookstore_shared.internal)
    internal_token: SecretStr | None = Field(None, validation_alias=_env("BOOKSTORE_INTERNAL_TOKEN"),
                                             min_length=16)
    # Peers (CIDRs) whose X-Forwarded-For is believed; anyone else is the client themselves.
    trusted_proxies_csv: str = Field("127.0.0.1/32,::1/128",
                                     validation_alias=_env("BOOKSTORE_TRUSTED_PROXIES"))
    # Where the other services live; unset means BOOKSTORE_HOST:BOOKSTORE_PORT_BASE+offset.
    auth_url: str | None = Field(None, validation_alias=_env("BOOKSTORE_AUTH_URL"))
    catalog_url: str | None = Field(None, validation_alias=_env("BOOKSTORE_CATALOG_URL"))
    order_url: str | None = Field(None, validation_alias=_env("BOOKSTORE_ORDER_URL"))
    inventory_url: str | None = Field(None, validation_alias=_env("BOOKSTORE_INVENTORY_URL"))
    shipping_url: str | None = Field(None, validation_alias=_env("BOOKSTORE_SHIPPING_URL"))
    notification_url: str | None = Field(None, validation_alias=_env("BOOKSTORE_NOTIFICATION_URL"))
    ai_url: str | None = Field(None, validation_alias=_env("BOOKSTORE_AI_URL"))
    web_url: str | None = Field(None, validation_alias=_env("BOOKSTORE_WEB_URL"))

    @field_validator("trusted_proxies_csv")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)  # raises ValueError naming the entry that is not a CIDR
        return value

    @property
    def trusted_proxies(self) -> list[str]:
        """BOOKSTORE_TRUSTED_PROXIES as a list of CIDRs (uvicorn's forwarded_allow_ips)."""
        return [str(n) for n in parse_networks(self.trusted_proxies_csv)]

    @property
    def port(self) -> int:
        """The port this service binds."""
        return self.port_base + SERVICE_PORT_OFFSETS.get(self.service_name, 0)

    @property
    def standalone(self) -> bool:
        """True when no broker is configured: the in-process bus is used."""
        return not self.rabbitmq_url

    @property
    def exchange(self) -> str:
        """The instance's topic exchange for integration events."""
        return f"{self.instance}.events"

    def service_url(self, name: str) -> str:
        """Base URL of another service (configured, else derived from host and port base)."""
        configured = getattr(self, f"{name}_url", None)
        if configured:
            return configured.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port_base + SERVICE_PORT_OFFSETS[name]}"
