#!/bin/sh
# Adds the application user (from RABBITMQ_USER / RABBITMQ_PASSWORD) to the committed topology
# and hands over to the image's own entrypoint. The result is written where rabbitmq.conf's
# load_definitions points, readable only by the broker.
set -eu
: "${RABBITMQ_USER:?set RABBITMQ_USER (see .env.example)}"
: "${RABBITMQ_PASSWORD:?set RABBITMQ_PASSWORD (see .env.example)}"
src="${BOOKSTORE_TOPOLOGY:-/etc/bookstore/definitions.json}"
out="${BOOKSTORE_DEFINITIONS_OUT:-/var/lib/rabbitmq/bookstore-definitions.json}"
# The values are embedded in JSON and in AMQP URLs: keep them to URL-safe characters.
for value in "$RABBITMQ_USER" "$RABBITMQ_PASSWORD"; do
  case "$value" in
    *[!A-Za-z0-9._~-]*) echo "RABBITMQ_USER/RABBITMQ_PASSWORD may contain only A-Z a-z 0-9 . _ ~ -" >&2
                        exit 64 ;;
  esac
done
umask 077
{
  printf '{"users": [{"name": "%s", "password": "%s", "tags": ["administrator"]}],\n' \
    "$RABBITMQ_USER" "$RABBITMQ_PASSWORD"
  printf ' "permissions": [{"user": "%s", "vhost": "bookstore", "configure": ".*", "write": ".*", "read": ".*"}],\n' \
    "$RABBITMQ_USER"
  tail -c +2 "$src"   # the topology object without its opening brace
} > "$out"
if [ "$(id -u)" = 0 ] && id rabbitmq >/dev/null 2>&1; then
  chown rabbitmq:rabbitmq "$out"
fi
if [ "$#" -gt 0 ]; then
  exec docker-entrypoint.sh "$@"
fi
