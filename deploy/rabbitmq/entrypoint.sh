#!/bin/sh
# Adds the users to the committed topology and hands over to the image's own entrypoint. The
# result is written where rabbitmq.conf's load_definitions points, readable only by the broker.
#   RABBITMQ_USER / RABBITMQ_PASSWORD    the operators' login (management UI, `bookstore dlq`/`tap`)
#   RABBITMQ_<SERVICE>_PASSWORD          one user per service, bookstore_<service>, no tag: it may
#                                        declare, bind and read only its own queues
#                                        (<instance>.<service>...) and publish to the events
#                                        exchange and, for its retries, the default exchange.
#                                        The gateway also reads and replays every queue's .dlq
#                                        (the admin dead-letter endpoints).
set -eu
: "${RABBITMQ_USER:?set RABBITMQ_USER (see .env.example)}"
: "${RABBITMQ_PASSWORD:?set RABBITMQ_PASSWORD (see .env.example)}"
services="${BOOKSTORE_BROKER_SERVICES:-gateway auth catalog order inventory shipping notification ai}"
instance="${BOOKSTORE_INSTANCE:-bookstore}"
prefix="${BOOKSTORE_BROKER_USER_PREFIX:-bookstore_}"   # service users are <prefix><service>
src="${BOOKSTORE_TOPOLOGY:-/etc/bookstore/definitions.json}"
out="${BOOKSTORE_DEFINITIONS_OUT:-/var/lib/rabbitmq/bookstore-definitions.json}"

# The values are embedded in JSON, regular expressions and AMQP URLs: keep them URL-safe.
safe() {
  case "$2" in
    ""|*[!A-Za-z0-9._~-]*) echo "$1 must be set and may contain only A-Z a-z 0-9 . _ ~ -" >&2
                           exit 64 ;;
  esac
}
safe RABBITMQ_USER "$RABBITMQ_USER"
safe RABBITMQ_PASSWORD "$RABBITMQ_PASSWORD"
safe BOOKSTORE_INSTANCE "$instance"
safe BOOKSTORE_BROKER_USER_PREFIX "$prefix"

users=$(printf '{"name": "%s", "password": "%s", "tags": ["administrator"]}' \
  "$RABBITMQ_USER" "$RABBITMQ_PASSWORD")
perms=$(printf '{"user": "%s", "vhost": "bookstore", "configure": ".*", "write": ".*", "read": ".*"}' \
  "$RABBITMQ_USER")
for service in $services; do
  var="RABBITMQ_$(echo "$service" | tr 'a-z' 'A-Z')_PASSWORD"
  eval "password=\${$var:-}"
  safe "$var" "$password"
  mine='^'"$instance"'\\.(events|'"$service"'(\\..+)?)$'
  publish='^(amq\\.default|'"$instance"'\\.events|'"$instance"'\\.'"$service"'(\\..+)?)$'
  if [ "$service" = gateway ]; then  # the admin dead-letter endpoints: every queue's .dlq
    mine='^'"$instance"'\\.(events|gateway(\\..+)?|.+\\.dlq)$'
    publish='^(amq\\.default|'"$instance"'\\.events|'"$instance"'\\.(gateway(\\..+)?|.+\\.dlq))$'
  fi
  users="$users, $(printf '{"name": "%s%s", "password": "%s", "tags": []}' \
    "$prefix" "$service" "$password")"
  perms="$perms, $(printf '{"user": "%s%s", "vhost": "bookstore", "configure": "%s", "write": "%s", "read": "%s"}' \
    "$prefix" "$service" "$mine" "$publish" "$mine")"
done

umask 077
{
  printf '{"users": [%s],\n "permissions": [%s],\n' "$users" "$perms"
  tail -c +2 "$src"   # the topology object without its opening brace
} > "$out"
if [ "$(id -u)" = 0 ] && id rabbitmq >/dev/null 2>&1; then
  chown rabbitmq:rabbitmq "$out"
fi
if [ "$#" -gt 0 ]; then
  exec docker-entrypoint.sh "$@"
fi
