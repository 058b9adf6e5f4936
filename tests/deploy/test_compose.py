"""docker-compose.yml: valid, names every service, passes every variable each service reads."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml
from bookstore_shared.settings import BaseServiceSettings

from .conftest import PORT_OFFSETS, ROOT, SERVICES, env_names, service_settings_class

COMPOSE = ROOT / "docker-compose.yml"
# Optional tuning variables: defaulted in code, deliberately not set in compose (an operator adds
# them to the service's `environment` when needed). Anything else a service reads must be passed.
OPTIONAL_TUNING = {
    "BOOKSTORE_MYSQL_URL",            # superseded by the per-service DATABASE_URL
    "BOOKSTORE_PDF_DIR",              # catalog: defaults to <data dir>/<instance>/pdfs (a volume)
    "BOOKSTORE_AUTH_MAX_BODY_BYTES",  # auth: request size guard
    "BOOKSTORE_LOGIN_MAX_FAILURES_PER_ACCOUNT", "BOOKSTORE_LOGIN_ACCOUNT_WINDOW_S",
    "BOOKSTORE_LOGIN_MAX_FAILURES_PER_IP", "BOOKSTORE_LOGIN_IP_WINDOW_S",  # auth: lockout policy
    "BOOKSTORE_CATALOG_TIMEOUT_S",    # order: price look-up timeout
    "BOOKSTORE_SCHEDULER_MAX_IDLE_S",  # shipping: scheduler wake-up bound
    "BOOKSTORE_SMTP_TIMEOUT_S", "BOOKSTORE_MAIL_MAX_ATTEMPTS", "BOOKSTORE_MAIL_RETRY_BASE_S",
    "BOOKSTORE_MAIL_RETRY_MAX_S", "BOOKSTORE_MAIL_LEASE_S",
    "BOOKSTORE_WS_QUEUE_SIZE",  # notification: delivery tuning
    "BOOKSTORE_AI_CONTEXT_TOKENS", "BOOKSTORE_AI_CHUNK_TOKENS", "BOOKSTORE_AI_ANSWER_TOKENS",
    "BOOKSTORE_AI_MAX_ATTEMPTS", "BOOKSTORE_AI_TIMEOUT_S", "BOOKSTORE_AI_BACKOFF_S",
    "BOOKSTORE_AI_MAX_BACKOFF_S", "BOOKSTORE_AI_JOB_LEASE_S", "BOOKSTORE_AI_POLL_S",
    "BOOKSTORE_AI_FETCH_ATTEMPTS",    # ai: provider and worker tuning
    "BOOKSTORE_UPSTREAM_TIMEOUT_S", "BOOKSTORE_UPSTREAM_CONNECT_TIMEOUT_S",
    "BOOKSTORE_UPSTREAM_POOL_SIZE", "BOOKSTORE_OPENAPI_CACHE_S",  # gateway: proxy tuning
    "BOOKSTORE_EVENT_FEED_MAX_CLIENTS", "BOOKSTORE_EVENT_FEED_BUFFER",
    "BOOKSTORE_EVENT_FEED_HEARTBEAT_S",  # gateway: admin event feed limits
    "BOOKSTORE_CONSUMERS",            # every consuming service: consumer threads per queue
    "BOOKSTORE_WEB_API_TIMEOUT_S", "BOOKSTORE_WEB_PAGE_SIZE",  # web: API wait, books per page
}
# The gateway and the web service keep no database of their own.
NO_DATABASE = {"gateway": {"DATABASE_URL"}, "web": {"DATABASE_URL", "BOOKSTORE_RABBITMQ_URL"}}
# The web service needs neither database nor broker (it calls the gateway per page).
NO_BACKING = {"web"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_docker_compose_config_accepts_the_file_with_the_example_env():
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (apt-get install -y docker-compose)")
    result = subprocess.run([binary, "--env-file", str(ROOT / ".env.example"), "-f", str(COMPOSE),
                             "config", "-q"], capture_output=True, text=True, cwd=ROOT, timeout=60,
                             check=False)
    assert result.returncode == 0, result.stderr


def test_the_compose_file_names_every_service_and_its_backing_services(compose):
    names = set(compose["services"])
    assert {name for name, _ in SERVICES} <= names
    assert {"mysql", "rabbitmq", "mailpit"} <= names


@pytest.mark.parametrize("name,pkg", SERVICES)
def test_every_variable_the_service_reads_is_passed_to_it(compose, name, pkg):
    env = compose["services"][name]["environment"]
    read = env_names(service_settings_class(pkg)) - NO_DATABASE.get(name, set())
    missing = sorted(read - set(env) - OPTIONAL_TUNING)
    assert not missing, f"{name} reads {missing}: set them in docker-compose.yml or allowlist them"


@pytest.mark.parametrize("name,pkg", SERVICES)
def test_the_service_is_healthy_only_when_ready_on_its_own_port(compose, name, pkg):
    service = compose["services"][name]
    port = 8080 + PORT_OFFSETS[name]
    assert f"http://127.0.0.1:{port}/readyz" in " ".join(service["healthcheck"]["test"])
    assert service["build"]["dockerfile"].endswith("/Dockerfile")
    depends = service.get("depends_on", {})
    if name == "gateway":
        assert {n for n, _ in SERVICES} - {"gateway"} == set(depends)
    elif name in NO_BACKING:
        assert not {"mysql", "rabbitmq"} & set(depends)
    else:
        assert {"mysql", "rabbitmq"} <= set(depends)
    assert all(d["condition"] in ("service_healthy", "service_started") for d in depends.values())
    assert all(depends[b]["condition"] == "service_healthy" for b in depends if b != "mailpit")


@pytest.mark.parametrize("name,pkg", [s for s in SERVICES if s[0] not in NO_DATABASE])
def test_each_service_gets_its_own_schema_and_user(compose, name, pkg):
    url = compose["services"][name]["environment"]["DATABASE_URL"]
    match = re.fullmatch(r"mysql\+pymysql://(\w+):\$\{(\w+)\}@mysql:3306/(\w+)\?charset=utf8mb4", url)
    assert match, url
    user, password_var, database = match.groups()
    assert user == database == f"bookstore_{name}"
    assert password_var == f"MYSQL_{name.upper()}_PASSWORD"
    assert password_var in compose["services"]["mysql"]["environment"]


@pytest.mark.parametrize("name,pkg", [s for s in SERVICES if s[0] not in NO_BACKING])
def test_each_service_uses_its_own_broker_user_and_production_settings(compose, name, pkg):
    env = compose["services"][name]["environment"]
    user, variable = f"bookstore_{name}", f"RABBITMQ_{name.upper()}_PASSWORD"
    assert env["BOOKSTORE_RABBITMQ_URL"] == (
        f"amqp://{user}:${{{variable}}}@rabbitmq:5672/bookstore")
    assert variable in compose["services"]["rabbitmq"]["environment"]
    assert env["BOOKSTORE_ENVIRONMENT"] == "production"
    assert env["BOOKSTORE_INTERNAL_TOKEN"].startswith("${BOOKSTORE_INTERNAL_TOKEN:?")


def test_the_gateway_is_published_on_localhost_8080(compose):
    assert compose["services"]["gateway"]["ports"] == ["127.0.0.1:8080:8080"]


def test_the_broker_settings_match_the_committed_definitions(compose):
    import topology

    env = compose["services"]["order"]["environment"]
    assert env["BOOKSTORE_INSTANCE"] == topology.INSTANCE
    assert [int(d) for d in env["BOOKSTORE_RETRY_DELAYS_MS"].split(",")] == topology.DEFAULT_DELAYS
    assert env["BOOKSTORE_RABBITMQ_URL"].endswith("@rabbitmq:5672/bookstore")
    assert env["BOOKSTORE_QUEUE_TYPE"] == BaseServiceSettings.model_fields[
        "queue_type"].default


def test_every_variable_compose_interpolates_is_documented_in_env_example():
    used = set(re.findall(r"\$\{(\w+)", COMPOSE.read_text()))
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert used - documented == set()


def test_every_pass_through_variable_is_documented_in_env_example(compose):
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    passed = {k for name, _ in SERVICES
              for k, v in compose["services"][name]["environment"].items() if v is None}
    assert passed - documented == set()
