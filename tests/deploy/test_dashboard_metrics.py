"""Every series the Grafana dashboard queries is one the running services really expose.

A system of its own (one process per service on MySQL and RabbitMQ, as the containers run it)
takes one order through its whole saga, so the labelled counters have samples; then every
service's /metrics is read on its own port, as Prometheus scrapes it.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
from bookstore_testing import wait_for
from bookstore_testing.ai import make_pdf
from prometheus_client.parser import text_string_to_metric_families

from ..conftest import RunningSystem, login, own_system, register_and_login
from . import promql
from .conftest import DEPLOY, SERVICES

DASHBOARD = DEPLOY / "grafana" / "dashboards" / "bookstore.json"
# Labels Prometheus adds to every scraped series, and the histogram bucket bound.
ADDED_BY_PROMETHEUS = {"job", "instance", "le"}


def place_one_order_to_delivery(system: RunningSystem) -> None:
    """An admin adds a book in stock; a customer buys it and the saga runs to DELIVERED."""
    name = "admin" + uuid.uuid4().hex[:8]
    email, password = f"{name}@example.com", "admin password 1"
    r = system.client.post("/create_admin",
                           json={"username": name, "email": email, "password": password})
    assert r.status_code == 201, r.text
    admin = login(system.url, email, password)
    r = system.client.post("/books", headers=admin, data={
        "title": "Metrics", "author": "Ann Author", "price": "9.50", "stock": "3"},
        files={"pdf": ("m.pdf", make_pdf(["The lighthouse keeper counts ships."]),
                       "application/pdf")})
    assert r.status_code == 201, r.text
    customer = register_and_login(system.url)
    r = system.client.post("/orders", json={"book_id": r.json()["book_id"], "quantity": 1},
                           headers=customer)
    assert r.status_code == 201, r.text
    order = f"/orders/{r.json()['order_id']}"
    wait_for(lambda: system.client.get(order, headers=customer).json()["status"] == "DELIVERED",
             timeout=30, what="the order to be delivered")


def scrape(url: str) -> dict[str, set[str]]:
    """Series name -> label names, from one service's /metrics (no credential, no proxy)."""
    r = httpx.get(url + "/metrics", timeout=10)
    assert r.status_code == 200, r.text
    return promql.exposed_series(text_string_to_metric_families(r.text))


@pytest.fixture(scope="module")
def exposed(infra, new_instance, tmp_path_factory) -> Iterator[dict[str, dict[str, set[str]]]]:
    """Service name -> what its /metrics exposes, after one delivered order."""
    with own_system(infra, new_instance, tmp_path_factory, "metrics") as system:
        place_one_order_to_delivery(system)
        yield {name: scrape(system.service_url(name)) for name, _ in SERVICES}


@pytest.fixture(scope="module")
def queries() -> list[str]:
    return promql.dashboard_queries(json.loads(DASHBOARD.read_text()))


def test_every_series_the_dashboard_queries_is_exposed_by_a_service(exposed, queries):
    everywhere = set().union(*exposed.values())
    queried = set().union(*map(promql.metric_names, queries))
    missing = sorted(queried - everywhere)
    assert not missing, f"the dashboard queries series no service exposes: {missing}"


def test_every_label_the_dashboard_groups_by_is_on_the_series_it_reads(exposed, queries):
    labels: dict[str, set[str]] = {}
    for series in exposed.values():
        for name, names in series.items():
            labels.setdefault(name, set()).update(names)
    wrong = []
    for expr in queries:
        for name in promql.metric_names(expr):
            known = labels.get(name)
            if not known:
                continue  # not exposed (the test above says so) or no sample yet: nothing known
            unknown = promql.grouping_labels(expr) - known - ADDED_BY_PROMETHEUS
            if unknown:
                wrong.append(f"{name} has no {sorted(unknown)} in {expr}")
    assert not wrong, "\n".join(wrong)


def test_every_service_exposes_its_request_metrics_on_its_own_port(exposed):
    for name, series in exposed.items():
        assert {"http_requests_total", "http_request_duration_seconds_bucket"} <= set(series), name
