"""The `bookstore` command for developers and operators: `tap` the event stream and manage
dead-lettered messages (`dlq list|show|replay|purge SERVICE`)."""
from __future__ import annotations

import argparse
import sys

from .bus import RabbitBus
from .eventfeed import EventFilter, render_json, short_payload
from .settings import BaseServiceSettings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bookstore", description=__doc__)
    parser.add_argument("--url", help="RabbitMQ URL (default: BOOKSTORE_RABBITMQ_URL)")
    parser.add_argument("--instance", help="instance name (default: BOOKSTORE_INSTANCE)")
    sub = parser.add_subparsers(dest="command", required=True)

    tap = sub.add_parser("tap", help="print events as they flow")
    tap.add_argument("patterns", nargs="*", default=["#"], help=(
        "routing patterns (default #); an event type alone (order.status_changed) means all "
        "its statuses"))
    tap.add_argument("--json", action="store_true", help="one JSON envelope per line")
    tap.add_argument("--correlation", help="only events with this correlation id")
    tap.add_argument("--order", type=int, help="follow one order's saga across services")
    tap.add_argument("--count", type=int, help="stop after this many events")
    tap.add_argument("--timeout", type=float, help="stop after this many seconds")

    dlq = sub.add_parser("dlq", help="dead-lettered messages of a service")
    dlq.add_argument("action", choices=["list", "show", "replay", "purge"])
    dlq.add_argument("service", help="service name, e.g. inventory")
    dlq.add_argument("--limit", type=int, default=100)
    return parser


def _bus(args, settings: BaseServiceSettings) -> tuple[str, str]:
    url = args.url or settings.rabbitmq_url
    if not url:
        sys.exit("bookstore: no broker; set BOOKSTORE_RABBITMQ_URL or pass --url "
                 "(in standalone mode watch the gateway's /admin/events feed instead)")
    return url, args.instance or settings.instance


def _dlq(args, url: str, instance: str) -> int:
    bus = RabbitBus(url, instance=instance)
    if args.action == "replay":
        print(f"replayed {bus.replay_dead_letters(args.service)} message(s)")
    elif args.action == "purge":
        print(f"purged {bus.purge_dead_letters(args.service)} message(s)")
    else:
        letters = bus.dead_letters(args.service, limit=args.limit)
        for letter in letters:
            env = letter.envelope
            if env is None:
                print(f"{'(malformed, not an envelope)':<36}  {letter.routing_key:<24} "
                      f"attempts={letter.attempts}  {letter.reason}")
                if args.action == "show":
                    print(f"  body: {letter.body[:400]!r}")
            elif args.action == "list":
                print(f"{env.id}  {env.type:<24} attempts={letter.attempts}  {letter.reason}")
            else:
                print(render_json(env))
                print(f"  reason: {letter.reason}\n  attempts: {letter.attempts}\n"
                      f"  payload: {short_payload(env.data, 400)}")
        if not letters:
            print(f"no dead-lettered messages for {args.service}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `bookstore` console script."""
    args = _parser().parse_args(argv)
    settings = BaseServiceSettings()
    url, instance = _bus(args, settings)
    if args.command == "dlq":
        return _dlq(args, url, instance)
    from .tap import tap

    event_filter = EventFilter(patterns=args.patterns, correlation_id=args.correlation,
                               order_id=args.order)
    tap(url, f"{instance}.events", event_filter, as_json=args.json,
        emit=lambda line: print(line, flush=True), max_events=args.count, timeout_s=args.timeout,
        on_ready=lambda: print(f"tapping {instance}.events {' '.join(args.patterns)}",
                               file=sys.stderr, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
