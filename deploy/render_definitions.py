"""Write deploy/rabbitmq/definitions.json: the topology every service declares, loaded at broker boot.

    python deploy/render_definitions.py                     # classic queues (compose default)
    python deploy/render_definitions.py --queue-type quorum --out defs.json   # for a cluster

Queues, arguments and bindings come from the services' own code (deploy/topology.py), so a
declaration at start-up never meets a queue with other arguments (PRECONDITION_FAILED). The user
and its permissions are added at container start from the environment
(deploy/rabbitmq/entrypoint.sh), so no password is stored here.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import topology

VHOST = "bookstore"
OUT = Path(__file__).resolve().parent / "rabbitmq" / "definitions.json"


def definitions(subs_by_service: dict, *, queue_type: str = "classic") -> dict:
    """RabbitMQ definitions (vhost, exchange, durable queues, bindings) for these subscriptions."""
    ch = topology.declared([s for subs in subs_by_service.values() for s in subs],
                           queue_type=queue_type)
    exchanges = [{"name": name, "vhost": VHOST, "type": spec["type"], "durable": spec["durable"],
                  "auto_delete": False, "internal": False, "arguments": {}}
                 for name, spec in sorted(ch.exchanges.items())]
    # Exclusive queues belong to one process (per-replica fan-out): the service declares them.
    durable = {name: spec for name, spec in ch.queues.items() if not spec["exclusive"]}
    queues = [{"name": name, "vhost": VHOST, "durable": spec["durable"],
               "auto_delete": spec["auto_delete"], "arguments": spec["arguments"]}
              for name, spec in sorted(durable.items())]
    bindings = [{"source": ex, "vhost": VHOST, "destination": queue, "destination_type": "queue",
                 "routing_key": key, "arguments": {}}
                for ex, queue, key in sorted(set(ch.bindings)) if queue in durable]
    return {"vhosts": [{"name": VHOST}], "exchanges": exchanges, "queues": queues,
            "bindings": bindings}


def render(*, queue_type: str = "classic", allow_missing: bool = False) -> str:
    """The definitions file's text."""
    subs = topology.all_subscriptions(allow_missing=allow_missing)
    return json.dumps(definitions(subs, queue_type=queue_type),
                      indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    """Write (or with --check, compare) the definitions file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue-type", choices=["classic", "quorum"], default="classic")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--allow-missing", action="store_true",
                        help="skip services whose code does not exist yet")
    args = parser.parse_args(argv)
    text = render(queue_type=args.queue_type, allow_missing=args.allow_missing)
    if args.check:
        if not args.out.exists() or args.out.read_text() != text:
            print(f"{args.out} is out of date: run python deploy/render_definitions.py")
            return 1
        return 0
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
