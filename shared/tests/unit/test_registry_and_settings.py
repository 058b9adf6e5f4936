"""Services register themselves; settings read BOOKSTORE_<FIELD> and any BOOKSTORE_<NAME>_URL."""
from __future__ import annotations

import pytest
from bookstore_shared import services
from bookstore_shared.settings import BaseServiceSettings


def test_every_service_registers_itself_and_the_edge_starts_last():
    registered = services.registered()
    assert [s.name for s in registered][-1] == "gateway"
    assert {"auth", "catalog", "order", "inventory", "shipping", "notification", "ai",
            "web"} <= set(services.names())
    offsets = [s.port_offset for s in registered]
    assert len(set(offsets)) == len(offsets)
    assert services.port_span() == max(offsets) + 1
    assert services.service("catalog").package == "catalog_service"


def test_an_unknown_service_is_named_with_the_installed_ones():
    with pytest.raises(services.UnknownService, match="installed: auth, "):
        services.service("billing")


def test_fields_are_read_from_their_prefixed_variable(monkeypatch):
    monkeypatch.setenv("BOOKSTORE_QUEUE_TYPE", "quorum")
    monkeypatch.setenv("BOOKSTORE_PREFETCH", "7")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    settings = BaseServiceSettings(_env_file=None)
    assert (settings.queue_type, settings.prefetch, settings.database_url) == (
        "quorum", 7, "sqlite://")


def test_a_service_url_is_configured_else_derived_from_its_registered_offset(monkeypatch):
    monkeypatch.setenv("BOOKSTORE_CATALOG_URL", "http://catalog:8082/")
    monkeypatch.setenv("BOOKSTORE_BILLING_URL", "http://billing:9000")
    monkeypatch.setenv("BOOKSTORE_MYSQL_URL", "mysql+pymysql://root@db")
    settings = BaseServiceSettings(_env_file=None, port_base=9000)
    assert settings.service_url("catalog") == "http://catalog:8082"
    assert settings.service_url("order") == f"http://127.0.0.1:{9000 + 3}"
    # A service configured but not installed here (a container holds one) is still known,
    # and the database URL is not mistaken for a service's.
    assert "billing" in settings.service_names() and "mysql" not in settings.service_names()
    assert settings.service_url("billing") == "http://billing:9000"


def test_urls_given_in_code_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("BOOKSTORE_CATALOG_URL", "http://from-env")
    settings = BaseServiceSettings(_env_file=None, service_urls={"catalog": "http://given"})
    assert settings.service_url("catalog") == "http://given"
