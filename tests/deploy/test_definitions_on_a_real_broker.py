"""The definitions import into a real RabbitMQ, and every service then declares its topology on
top of them without PRECONDITION_FAILED (same names, same arguments)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import uuid

import pika
import pytest
import topology
from bookstore_shared.bus import RabbitBus
from bookstore_shared.launcher import SERVICES

from .conftest import DEPLOY

pytestmark = pytest.mark.integration


def ctl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True,
                          timeout=60, check=False)


def test_imported_definitions_accept_every_services_declarations(tmp_path):
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not installed (the local RabbitMQ is needed)")
    vhost, user = f"deploy_{uuid.uuid4().hex[:8]}", f"deploy_{uuid.uuid4().hex[:8]}"
    topo = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    text = json.dumps(topo).replace('"vhost": "bookstore"', f'"vhost": "{vhost}"')
    text = text.replace('"name": "bookstore"}', f'"name": "{vhost}"}}')
    (tmp_path / "topology.json").write_text(text)
    out = tmp_path / "defs.json"
    env = {**os.environ, "RABBITMQ_USER": user, "RABBITMQ_PASSWORD": "pw-123",
           "BOOKSTORE_TOPOLOGY": str(tmp_path / "topology.json"), "BOOKSTORE_DEFINITIONS_OUT": str(out)}
    subprocess.run(["sh", str(DEPLOY / "rabbitmq" / "entrypoint.sh")], env=env, check=True)
    out.write_text(out.read_text().replace('"vhost": "bookstore"', f'"vhost": "{vhost}"'))
    try:
        # rabbitmqctl may run as the broker's user: hand it a file outside the private tmp_path.
        with tempfile.NamedTemporaryFile("w", suffix=".json", dir="/tmp") as shared:
            shared.write(out.read_text())
            shared.flush()
            os.chmod(shared.name, 0o644)
            imported = ctl("import_definitions", shared.name)
        assert imported.returncode == 0, imported.stderr
        conn = pika.BlockingConnection(pika.URLParameters(
            f"amqp://{user}:pw-123@127.0.0.1:5672/{vhost}"))
        try:
            bus = RabbitBus("amqp://localhost/", instance=topology.INSTANCE,
                            retry_delays_ms=topology.DEFAULT_DELAYS)
            for _, pkg in SERVICES:
                if topology.is_written(pkg):
                    for sub in topology.subscriptions(pkg):
                        bus._declare(conn.channel(), sub)  # raises on PRECONDITION_FAILED
        finally:
            conn.close()
        queues = ctl("list_queues", "-p", vhost, "name", "--formatter", "json")
        names = {q["name"] for q in json.loads(queues.stdout)}
        assert {q["name"] for q in topo["queues"]} <= names
    finally:
        ctl("delete_vhost", vhost)
        ctl("delete_user", user)
