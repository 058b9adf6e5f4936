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

from .conftest import DEPLOY, SERVICES

pytestmark = pytest.mark.integration


def ctl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True,
                          timeout=60, check=False)


def test_every_service_declares_its_topology_as_its_own_user_and_reads_nothing_else(tmp_path):
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not installed (the local RabbitMQ is needed)")
    tag = uuid.uuid4().hex[:8]
    vhost, prefix = f"deploy_{tag}", f"deploy_{tag}_"
    names = [name for name, pkg in SERVICES if topology.is_written(pkg) and topology.subscriptions(pkg)]
    topo = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    text = json.dumps(topo).replace('"vhost": "bookstore"', f'"vhost": "{vhost}"')
    text = text.replace('"name": "bookstore"}', f'"name": "{vhost}"}}')
    (tmp_path / "topology.json").write_text(text)
    out = tmp_path / "defs.json"
    env = {**os.environ, "RABBITMQ_USER": f"{prefix}ops", "RABBITMQ_PASSWORD": "pw-123",
           "BOOKSTORE_BROKER_USER_PREFIX": prefix, "BOOKSTORE_BROKER_SERVICES": " ".join(names),
           **{f"RABBITMQ_{n.upper()}_PASSWORD": f"pw-{n}" for n in names},
           "BOOKSTORE_TOPOLOGY": str(tmp_path / "topology.json"), "BOOKSTORE_DEFINITIONS_OUT": str(out)}
    subprocess.run(["sh", str(DEPLOY / "rabbitmq" / "entrypoint.sh")], env=env, check=True)
    out.write_text(out.read_text().replace('"vhost": "bookstore"', f'"vhost": "{vhost}"'))

    def connect_as(user: str, password: str) -> pika.BlockingConnection:
        return pika.BlockingConnection(pika.URLParameters(
            f"amqp://{user}:{password}@127.0.0.1:5672/{vhost}"))

    try:
        # rabbitmqctl may run as the broker's user: hand it a file outside the private tmp_path.
        with tempfile.NamedTemporaryFile("w", suffix=".json", dir="/tmp") as shared:
            shared.write(out.read_text())
            shared.flush()
            os.chmod(shared.name, 0o644)
            imported = ctl("import_definitions", shared.name)
        assert imported.returncode == 0, imported.stderr
        bus = RabbitBus("amqp://localhost/", instance=topology.INSTANCE,
                        retry_delays_ms=topology.DEFAULT_DELAYS)
        for name, pkg in SERVICES:
            if name not in names:
                continue
            conn = connect_as(f"{prefix}{name}", f"pw-{name}")
            try:  # raises on ACCESS_REFUSED (permissions) or PRECONDITION_FAILED (arguments)
                for sub in topology.subscriptions(pkg):
                    bus._declare(conn.channel(), sub)
            finally:
                conn.close()
        queues = ctl("list_queues", "-p", vhost, "name", "--formatter", "json")
        assert {q["name"] for q in topo["queues"]} <= {q["name"] for q in json.loads(queues.stdout)}
        conn = connect_as(f"{prefix}order", "pw-order")
        try:  # order may not read the catalog's queue
            with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
                conn.channel().basic_get(f"{topology.INSTANCE}.catalog")
            assert refused.value.reply_code == 403
        finally:
            conn.close()
        listed = json.loads(ctl("list_users", "--formatter", "json").stdout)
        tags = {u["user"]: u["tags"] for u in listed if u["user"].startswith(prefix)}
        assert all(not tags[f"{prefix}{n}"] for n in names)  # no administrator tag
    finally:
        ctl("delete_vhost", vhost)
        for user in [f"{prefix}ops", *(f"{prefix}{n}" for n in names)]:
            ctl("delete_user", user)
