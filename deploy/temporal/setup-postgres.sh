#!/bin/sh
# One-shot (service temporal-schema, image temporalio/admin-tools): creates Temporal's two databases and brings their
# schemas up to the version of the admin-tools image, which must match the server image.
#
# Idempotent, so it runs on every `docker compose up` and doubles as the migration step when TEMPORAL_VERSION is raised:
#   create         ignores "database already exists";
#   setup-schema   -v 0.0 only creates the schema_version tables and skips when the schema is already past 0.0;
#   update-schema  applies only the versioned steps newer than the recorded version.
# The schemas come from the tool's embedded copy (--schema-name), so no path inside the image is assumed.
# Checked against temporalio/temporal v1.29.1 tools/sql and tools/common/schema.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS (host of the Temporal PostgreSQL) is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD (read by temporal-sql-tool) is required}"
DB_PORT="${DB_PORT:-5432}"
DBNAME="${DBNAME:-temporal}"
VISIBILITY_DBNAME="${VISIBILITY_DBNAME:-temporal_visibility}"
MAX_ATTEMPTS="${SETUP_MAX_ATTEMPTS:-30}"
SLEEP_SECONDS="${SETUP_SLEEP_SECONDS:-2}"

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

# PostgreSQL reports healthy (pg_isready) slightly before it accepts logins on a first start; retry the first step.
attempt=1
until sql_tool --db "$DBNAME" create; do
  if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
    echo "cannot create database $DBNAME on $POSTGRES_SEEDS:$DB_PORT after $MAX_ATTEMPTS attempts" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep "$SLEEP_SECONDS"
done
sql_tool --db "$DBNAME" setup-schema -v 0.0
sql_tool --db "$DBNAME" update-schema --schema-name postgresql/v12/temporal

sql_tool --db "$VISIBILITY_DBNAME" create
sql_tool --db "$VISIBILITY_DBNAME" setup-schema -v 0.0
sql_tool --db "$VISIBILITY_DBNAME" update-schema --schema-name postgresql/v12/visibility

echo "Temporal schemas ready: $DBNAME, $VISIBILITY_DBNAME"
