"""Settings a deployment must not start with (issue 14): the example passwords of `.env.example`,
the placeholders of `deploy/k8s/secrets.yaml`, and (outside development) no internal token."""
from __future__ import annotations

import ipaddress

from pydantic import SecretStr

# Markers of values copied from the examples and never replaced.
PLACEHOLDERS = ("change-me", "replace_me")


def parse_networks(csv: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated CIDRs (a bare address is a /32 or /128); ValueError on anything else."""
    networks = []
    for item in (part.strip() for part in csv.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"not an address or CIDR: {item!r}") from None
    return networks


def _placeholder_fields(settings) -> list[str]:
    found = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(text, str) and any(p in text.lower() for p in PLACEHOLDERS):
            found.append(name)
    return found


def check_deployment(settings) -> None:
    """Raise ValueError (the process refuses to start) for settings unsafe in production."""
    if settings.environment != "production":
        return
    placeholders = _placeholder_fields(settings)
    if placeholders:
        raise ValueError("example or placeholder values (change-me, REPLACE_ME) in production: "
                         + ", ".join(sorted(placeholders)))
    if settings.internal_token is None:
        raise ValueError("BOOKSTORE_INTERNAL_TOKEN must be set in production")
