"""Every series the Grafana dashboard queries is one the running services really expose.

The session's system (one process per service on MySQL and RabbitMQ, as the containers run it)
takes one order through its whole saga, so the labelled counters have samples; then every
service's /metrics is read on its own port, and a real Prometheus, given the compose scrape jobs,
scrapes the system and answers every dashboard query.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from bookstore_testing import free_port_base, wait_for
from bookstore_testing.ai import make_pdf
from prometheus_client.parser import text_string_to_metric_families

from ..conftest import RunningSystem, first_admin, register_and_login
from . import promql
from .conftest import DEPLOY, SERVICES

DASHBOARD = DEPLOY / "grafana" / "dashboards" / "bookstore.json"
PROMETHEUS = DEPLOY / "prometheus" / "prometheus.yml"
# Panels that stay empty while nothing fails: 5xx answers, upstream failures, dead letters.
EMPTY_WHEN_ALL_IS_WELL = ("status=~\"5..\"", "gateway_upstream_failures_total",
                          "events_dead_lettered_total")
# Labels Prometheus adds to every scraped series, and the histogram bucket bound.
ADDED_BY_PROMETHEUS = {"job", "instance", "le"}


def place_one_order_to_delivery(system: RunningSystem) -> None:
    """An admin adds a book in stock; a customer buys it and the saga runs to DELIVERED."""
    r = system.client.post("/books", headers=first_admin(system), data={
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
def system(services_system) -> RunningSystem:
    """The session's services-mode system, once it has delivered one order."""
    place_one_order_to_delivery(services_system)
    return services_system


@pytest.fixture(scope="module")
def exposed(system) -> dict[str, dict[str, set[str]]]:
    """Service name -> what its /metrics exposes, after one delivered order."""
    return {name: scrape(system.service_url(name)) for name, _ in SERVICES}


@pytest.fixture(scope="module")
def prometheus(system, tmp_path_factory) -> Iterator[str]:
    """Prometheus with the compose scrape jobs, each target moved to where this system's service
    listens, scraping every second; yields its URL."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("prometheus is not installed (apt-get install -y prometheus)")
    config = yaml.safe_load(PROMETHEUS.read_text())
    config["global"].update(scrape_interval="1s", scrape_timeout="1s")
    for job in config["scrape_configs"]:
        job["static_configs"] = [{"targets": [urlsplit(system.service_url(job["job_name"])).netloc]}]
    home = tmp_path_factory.mktemp("prometheus")
    (home / "prometheus.yml").write_text(yaml.safe_dump(config))
    address = f"127.0.0.1:{free_port_base(1)}"
    with open(home / "prometheus.log", "wb") as log:
        proc = subprocess.Popen([binary, f"--config.file={home / 'prometheus.yml'}",
                                 f"--storage.tsdb.path={home / 'data'}",
                                 f"--web.listen-address={address}"], stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        yield f"http://{address}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def query(prometheus: str, expr: str) -> list[dict]:
    r = httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "success", f"{expr}: {r.text}"
    return r.json()["data"]["result"]


def scraped_targets(prometheus: str) -> dict[str, str] | None:
    """Job -> health of its target, once every job's target has been scraped at least once."""
    try:
        r = httpx.get(f"{prometheus}/api/v1/targets", timeout=5)
    except httpx.TransportError:
        return None  # not listening yet
    if r.status_code != 200:
        return None  # still starting (503 until its storage is ready)
    active = r.json()["data"]["activeTargets"]
    health = {t["labels"]["job"]: t["health"] for t in active}
    return health if health and "unknown" not in health.values() else None


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


def test_prometheus_with_the_compose_jobs_scrapes_every_service_gateway_included(prometheus):
    health = wait_for(lambda: scraped_targets(prometheus), timeout=30, every=0.2,
                      what="a first scrape")
    assert health == {name: "up" for name, _ in SERVICES}


def test_every_dashboard_query_runs_in_prometheus_and_shows_the_order(prometheus, queries):
    wait_for(lambda: scraped_targets(prometheus), timeout=30, every=0.2,
                      what="a first scrape")
    exprs = [promql.as_prometheus_sees_it(expr) for expr in queries]
    expected = [e for e in exprs if not any(quiet in e for quiet in EMPTY_WHEN_ALL_IS_WELL)]

    def empty() -> list[str]:
        return [expr for expr in expected if not query(prometheus, expr)]

    # rate() needs two scrapes of a series: poll until every panel has them.
    try:
        wait_for(lambda: not empty(), timeout=30, every=0.5, what="every panel to have data")
    except AssertionError:
        raise AssertionError(f"no data for {empty()}") from None
    for expr in exprs:
        query(prometheus, expr)  # also the quiet ones: valid PromQL, answered
