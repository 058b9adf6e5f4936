#!/bin/bash
# Runs once, when the MySQL data volume is first initialised (mysql image, /docker-entrypoint-initdb.d).
# One schema and one user per service; each user is granted only its own schema.
# Passwords come from the environment (MYSQL_<SERVICE>_PASSWORD, see .env.example).
set -euo pipefail

services="auth catalog order inventory shipping notification ai"
sql=""
for service in $services; do
  var="MYSQL_$(echo "$service" | tr '[:lower:]' '[:upper:]')_PASSWORD"
  password="${!var:-}"
  if [ -z "$password" ]; then
    echo "01-service-schemas: $var is not set; skipping the $service schema" >&2
    continue
  fi
  password="${password//\\/\\\\}"
  password="${password//\'/\'\'}"
  sql+="CREATE DATABASE IF NOT EXISTS \`bookstore_${service}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'bookstore_${service}'@'%' IDENTIFIED BY '${password}';
ALTER USER 'bookstore_${service}'@'%' IDENTIFIED BY '${password}';
GRANT ALL PRIVILEGES ON \`bookstore_${service}\`.* TO 'bookstore_${service}'@'%';
"
done
sql+="FLUSH PRIVILEGES;"
# During initialisation the server listens on its socket only.
mysql --protocol=socket -uroot -p"${MYSQL_ROOT_PASSWORD}" <<<"$sql"
