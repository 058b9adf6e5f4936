"""RabbitMQ definitions equal what the services declare; the MySQL init script isolates schemas."""
from __future__ import annotations

import json
import os
import subprocess

import pytest
import render_definitions
import topology

from .conftest import DEPLOY, SERVICES

DEFINITIONS = DEPLOY / "rabbitmq" / "definitions.json"


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads(DEFINITIONS.read_text())


@pytest.mark.parametrize("name,pkg", SERVICES)
def test_the_definitions_declare_each_queue_exactly_as_the_service_does(committed, name, pkg):
    if not topology.is_written(pkg):
        pytest.skip(f"{pkg}.main does not exist yet")
    ch = topology.declared(topology.subscriptions(pkg))
    queues = {q["name"]: q for q in committed["queues"]}
    for queue, spec in ch.queues.items():
        if spec["exclusive"]:
            assert queue not in queues  # per-replica queues are declared by each process
            continue
        assert queue in queues, f"{queue} missing: run python deploy/render_definitions.py"
        assert queues[queue]["arguments"] == spec["arguments"]
        assert queues[queue]["durable"] is spec["durable"] is True
        assert queues[queue]["auto_delete"] is spec["auto_delete"]
    bound = {(b["source"], b["destination"], b["routing_key"]) for b in committed["bindings"]}
    durable = {q for q, spec in ch.queues.items() if not spec["exclusive"]}
    mine = {b for b in bound if b[1] in durable}
    assert mine == {b for b in ch.bindings if b[1] in durable}


def test_the_definitions_file_is_exactly_the_rendered_topology(committed):
    missing = [pkg for _, pkg in SERVICES if not topology.is_written(pkg)]
    if missing:
        pytest.skip(f"services not written yet: {missing}")
    assert DEFINITIONS.read_text() == render_definitions.render(), (
        "deploy/rabbitmq/definitions.json drifted: run python deploy/render_definitions.py")
    (exchange,) = committed["exchanges"]
    assert (exchange["name"], exchange["type"], exchange["durable"]) == (
        f"{topology.INSTANCE}.events", "topic", True)


SERVICE_PASSWORDS = {f"RABBITMQ_{name.upper()}_PASSWORD": f"pw-{name}" for name, _ in SERVICES
                     if name != "web"}  # the web service uses no broker


def test_the_broker_entrypoint_adds_the_users_and_keeps_the_topology(tmp_path, committed):
    out = tmp_path / "defs.json"
    env = {**os.environ, "RABBITMQ_USER": "shop", "RABBITMQ_PASSWORD": "s3cret-pw",
           **SERVICE_PASSWORDS,
           "BOOKSTORE_TOPOLOGY": str(DEFINITIONS), "BOOKSTORE_DEFINITIONS_OUT": str(out)}
    subprocess.run(["sh", str(DEPLOY / "rabbitmq" / "entrypoint.sh")], env=env, check=True)
    loaded = json.loads(out.read_text())
    assert loaded["users"][0] == {"name": "shop", "password": "s3cret-pw",
                                  "tags": ["administrator"]}
    services = {u["name"]: u for u in loaded["users"][1:]}
    assert set(services) == {f"bookstore_{k.split('_')[1].lower()}" for k in SERVICE_PASSWORDS}
    assert all(u["tags"] == [] for u in services.values())  # no administrator, no management
    assert services["bookstore_order"]["password"] == "pw-order"
    assert {p["vhost"] for p in loaded["permissions"]} == {committed["vhosts"][0]["name"]}
    assert loaded["queues"] == committed["queues"]
    conf = (DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text()
    assert "load_definitions = /var/lib/rabbitmq/bookstore-definitions.json" in conf


def test_the_broker_entrypoint_refuses_a_password_that_would_break_json_or_urls(tmp_path):
    env = {**os.environ, "RABBITMQ_USER": "shop", "RABBITMQ_PASSWORD": 'a"b@c',
           "BOOKSTORE_TOPOLOGY": str(DEFINITIONS), "BOOKSTORE_DEFINITIONS_OUT": str(tmp_path / "x")}
    result = subprocess.run(["sh", str(DEPLOY / "rabbitmq" / "entrypoint.sh")], env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 64 and "may contain only" in result.stderr
    assert not (tmp_path / "x").exists()


def test_the_mysql_init_script_grants_each_user_only_its_own_schema(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "mysql").write_text(f"#!/bin/sh\ncat > {tmp_path}/sql.txt\n")
    (fake / "mysql").chmod(0o755)
    services = [n for n, _ in SERVICES if n not in ("gateway", "web")]  # no database
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}", "MYSQL_ROOT_PASSWORD": "root",
           **{f"MYSQL_{n.upper()}_PASSWORD": f"pw-{n}" for n in services},
           "MYSQL_ORDER_PASSWORD": "it's"}
    subprocess.run(["bash", str(DEPLOY / "mysql" / "init" / "01-service-schemas.sh")], env=env,
                   check=True)
    sql = (tmp_path / "sql.txt").read_text()
    grants = [line for line in sql.splitlines() if line.startswith("GRANT")]
    assert sorted(grants) == sorted(
        f"GRANT ALL PRIVILEGES ON `bookstore_{n}`.* TO 'bookstore_{n}'@'%';" for n in services)
    assert "IDENTIFIED BY 'it''s'" in sql
    assert sql.count("CREATE DATABASE IF NOT EXISTS") == len(services)
