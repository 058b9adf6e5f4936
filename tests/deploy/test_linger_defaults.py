"""How long each service's busy queues let a batch wait for more deliveries by default
(`BOOKSTORE_BATCH_LINGER_MS`): the services an order passes through on its way to PROCESSING keep
the short wait, the consumers nobody waits on at that scale take the longer one, and the
environment sets it for any service."""
from __future__ import annotations

import pytest
from bookstore_shared.settings import BACKGROUND_LINGER_MS, SAGA_PATH_LINGER_MS

from .conftest import SERVICES, service_settings_class

ON_THE_WAY_TO_PROCESSING = {"order", "inventory"}
OFF_THE_WAY = {"catalog", "notification", "shipping"}
PACKAGES = dict(SERVICES)


@pytest.mark.parametrize("name", sorted(ON_THE_WAY_TO_PROCESSING | OFF_THE_WAY))
def test_each_consumer_waits_as_long_as_its_place_in_the_saga_allows(name, monkeypatch):
    monkeypatch.delenv("BOOKSTORE_BATCH_LINGER_MS", raising=False)
    settings = service_settings_class(PACKAGES[name])(_env_file=None)
    expected = SAGA_PATH_LINGER_MS if name in ON_THE_WAY_TO_PROCESSING else BACKGROUND_LINGER_MS
    assert settings.batch_linger_ms == expected
    assert SAGA_PATH_LINGER_MS < BACKGROUND_LINGER_MS


@pytest.mark.parametrize("name", sorted(OFF_THE_WAY))
def test_the_environment_sets_the_wait_for_every_service(name, monkeypatch):
    monkeypatch.setenv("BOOKSTORE_BATCH_LINGER_MS", "0")
    assert service_settings_class(PACKAGES[name])(_env_file=None).batch_linger_ms == 0
    monkeypatch.setenv("BOOKSTORE_BATCH_LINGER_MS", "5000")
    with pytest.raises(ValueError, match="batch_linger_ms"):
        service_settings_class(PACKAGES[name])(_env_file=None)
