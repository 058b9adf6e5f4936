"""Tracing and dashboards in docker compose: Jaeger, Prometheus's scrape targets, Grafana's
provisioning and the dashboard's queries. No infrastructure (test_dashboard_metrics.py runs them)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

from . import promql
from .conftest import DEPLOY, PORT_OFFSETS, ROOT, SERVICES

COMPOSE = ROOT / "docker-compose.yml"
PROMETHEUS = DEPLOY / "prometheus" / "prometheus.yml"
GRAFANA = DEPLOY / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "bookstore.json"
OBSERVABILITY = ("jaeger", "prometheus", "grafana")
# What operators watch (issue 17): the dashboard must query each of these series.
WATCHED = {
    "http_requests_total", "http_request_duration_seconds_bucket",
    "gateway_upstream_seconds_bucket", "gateway_upstream_failures_total",
    "gateway_upstream_responses_total",
    "events_consumed_total", "events_published_total", "events_dead_lettered_total",
    "outbox_pending_events", "outbox_oldest_pending_seconds", "queue_depth_messages",
    "notification_ws_connections",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def compose_config(*env_lines: str, tmp_path) -> dict:
    """`docker-compose config` as an operator with .env.example plus `env_lines` would get it."""
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (apt-get install -y docker-compose)")
    env_file = tmp_path / ".env"
    env_file.write_text((ROOT / ".env.example").read_text() + "\n".join(env_lines) + "\n")
    # The shell's variables win over the env file: none of ours may leak in from this machine.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "GF_"))}
    out = subprocess.run([binary, "--env-file", str(env_file), "-f", str(COMPOSE), "config"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=60,
                         check=False)
    assert out.returncode == 0, out.stderr
    return yaml.safe_load(out.stdout)


def mounted(service: dict, source: str) -> str:
    """Where a compose service mounts `./<source>` (its container path)."""
    for volume in service["volumes"]:
        host, target, *_ = volume.split(":")
        if host == f"./{source}":
            return target
    raise AssertionError(f"./{source} is not mounted")


def test_jaeger_takes_otlp_over_http_and_shows_its_ui_on_localhost(compose):
    jaeger = compose["services"]["jaeger"]
    assert jaeger["image"].startswith("jaegertracing/all-in-one:")
    assert jaeger["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"
    assert {"127.0.0.1:16686:16686", "127.0.0.1:4318:4318"} <= set(jaeger["ports"])


def test_the_observability_images_are_pinned_to_a_version(compose):
    for name in OBSERVABILITY:
        image = compose["services"][name]["image"]
        assert re.fullmatch(r"[\w./-]+:v?\d+\.\d+\.\d+", image), f"{name}: {image} is not pinned"


def test_every_service_sends_its_spans_to_jaeger_under_its_own_name(tmp_path):
    services = compose_config(tmp_path=tmp_path)["services"]
    for name, _ in SERVICES:
        env = services[name]["environment"]
        assert env["OTEL_SERVICE_NAME"] == name
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318"
        assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
        assert env.get("OTEL_SDK_DISABLED") is None


def test_an_operator_points_the_spans_elsewhere_samples_or_turns_tracing_off_in_env(tmp_path):
    services = compose_config("OTEL_EXPORTER_OTLP_ENDPOINT=http://collector.example:4318",
                              "OTEL_TRACES_SAMPLER=parentbased_traceidratio",
                              "OTEL_SDK_DISABLED=true", tmp_path=tmp_path)["services"]
    for name, _ in SERVICES:
        env = services[name]["environment"]
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://collector.example:4318"
        assert env["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
        assert env["OTEL_SDK_DISABLED"] == "true"


def test_prometheus_scrapes_every_service_on_its_compose_container_port(compose):
    config = yaml.safe_load(PROMETHEUS.read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {name for name, _ in SERVICES}
    for name, _ in SERVICES:
        service = compose["services"][name]  # the target's host is this compose service
        port = int(service["environment"]["BOOKSTORE_PORT_BASE"]) + PORT_OFFSETS[name]
        assert f"http://127.0.0.1:{port}/" in " ".join(service["healthcheck"]["test"])
        targets = [t for static in jobs[name]["static_configs"] for t in static["targets"]]
        assert targets == [f"{name}:{port}"], name
        assert jobs[name].get("metrics_path", "/metrics") == "/metrics"
        assert jobs[name].get("scheme", "http") == "http"
    prometheus = compose["services"]["prometheus"]
    path = mounted(prometheus, "deploy/prometheus/prometheus.yml")
    assert f"--config.file={path}" in prometheus["command"]


def test_promtool_accepts_the_scrape_config():
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (apt-get install -y prometheus)")
    out = subprocess.run([promtool, "check", "config", str(PROMETHEUS)], capture_output=True,
                         text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_grafana_provisions_prometheus_and_the_dashboard_folder_compose_mounts(compose, dashboard):
    grafana = compose["services"]["grafana"]
    assert mounted(grafana, "deploy/grafana/provisioning") == "/etc/grafana/provisioning"
    sources = yaml.safe_load((GRAFANA / "provisioning/datasources/datasources.yaml").read_text())
    by_type = {s["type"]: s for s in sources["datasources"]}
    assert by_type["prometheus"]["url"] == "http://prometheus:9090"
    assert "127.0.0.1:9090:9090" in compose["services"]["prometheus"]["ports"]
    assert by_type["jaeger"]["url"] == "http://jaeger:16686"
    used = {t["datasource"]["uid"] for p in dashboard["panels"] for t in p.get("targets", [])}
    assert used == {by_type["prometheus"]["uid"]}
    (provider,) = yaml.safe_load(
        (GRAFANA / "provisioning/dashboards/bookstore.yaml").read_text())["providers"]
    assert provider["options"]["path"] == mounted(grafana, "deploy/grafana/dashboards")


def test_grafanas_admin_password_comes_from_env_and_the_ui_stays_on_localhost(compose):
    env = compose["services"]["grafana"]["environment"]
    assert env["GF_SECURITY_ADMIN_PASSWORD"].startswith("${GF_SECURITY_ADMIN_PASSWORD:?")
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert compose["services"]["grafana"]["ports"] == ["127.0.0.1:3000:3000"]


def test_the_dashboard_is_grafana_dashboard_json_with_a_query_in_every_panel(dashboard):
    assert dashboard["uid"] and dashboard["title"] and dashboard["schemaVersion"] >= 36
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert panels
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["w"] > 0 and grid["h"] > 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert panel["targets"] and len(refs) == len(set(refs)), panel["title"]
        assert all(t["expr"].strip() for t in panel["targets"]), panel["title"]


def test_the_dashboard_shows_what_operators_watch(dashboard):
    queried = set().union(*map(promql.metric_names, promql.dashboard_queries(dashboard)))
    assert WATCHED - queried == set()


def test_promtool_parses_every_dashboard_query(dashboard, tmp_path):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (apt-get install -y prometheus)")
    rules = [{"record": f"dashboard:query_{n}", "expr": promql.as_prometheus_sees_it(expr)}
             for n, expr in enumerate(promql.dashboard_queries(dashboard))]
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    out = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True,
                         timeout=60, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("expr,names", [
    ('sum by (job, route) (rate(http_requests_total{job=~"$job", status=~"5.."}[5m]))',
     {"http_requests_total"}),
    ("histogram_quantile(0.95, sum by (le) (rate(x_seconds_bucket[$__rate_interval])))",
     {"x_seconds_bucket"}),
    ("sum(rate(a_sum[1m])) / on (job) sum(rate(a_count[1m])) > 1e3 and b offset 5m",
     {"a_sum", "a_count", "b"}),
])
def test_the_query_reader_finds_the_series_and_nothing_else(expr, names):
    assert promql.metric_names(expr) == names
