#!/usr/bin/env bash
# Installs (if missing) and starts PostgreSQL 15 on Debian, and creates the test role and
# database, idempotently. Used by .ci/run; developers can run it by hand too:
#
#   bash scripts/start-postgres.sh
#   export FEATUREFLOW_TEST_PG_URL=postgres://featureflow:featureflow@127.0.0.1:5432/featureflow_test
#
# The last line printed on stdout is that URL (`FEATUREFLOW_TEST_PG_URL=...`), so a caller may also
# do: eval "export $(bash scripts/start-postgres.sh | tail -n 1)".
#
# Needs root (or sudo) for apt-get and for the cluster commands. Overridable through the
# environment: PG_VERSION (15), PG_CLUSTER (main), PG_PORT (5432), FEATUREFLOW_PG_USER,
# FEATUREFLOW_PG_PASSWORD, FEATUREFLOW_PG_DB.
set -euo pipefail

PG_VERSION="${PG_VERSION:-15}"
PG_CLUSTER="${PG_CLUSTER:-main}"
PG_PORT="${PG_PORT:-5432}"
DB_USER="${FEATUREFLOW_PG_USER:-featureflow}"
DB_PASSWORD="${FEATUREFLOW_PG_PASSWORD:-featureflow}"
DB_NAME="${FEATUREFLOW_PG_DB:-featureflow_test}"
URL="postgres://${DB_USER}:${DB_PASSWORD}@127.0.0.1:${PG_PORT}/${DB_NAME}"

log() { echo "start-postgres: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [[ $EUID -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  die "needs root (or sudo) to install and start PostgreSQL"
fi

# Runs a command as the postgres OS user.
as_postgres() {
  if [[ $EUID -eq 0 ]] && command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- "$@"
  else
    "${SUDO[@]}" -u postgres "$@"
  fi
}

PG_BIN="/usr/lib/postgresql/${PG_VERSION}/bin"

# 1. Install the server if missing (apt-get update only in that case).
if [[ ! -x "$PG_BIN/postgres" ]] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "PostgreSQL ${PG_VERSION} not installed; installing postgresql-${PG_VERSION} with apt-get"
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "postgresql-${PG_VERSION}" postgresql-client-common
fi
[[ -x "$PG_BIN/postgres" ]] || die "$PG_BIN/postgres still missing after install"

# 2. Make sure the cluster exists (the package's postinst normally creates it).
cluster_line() { pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c'; }
if [[ -z "$(cluster_line)" ]]; then
  log "creating cluster ${PG_VERSION}/${PG_CLUSTER} on port ${PG_PORT}"
  "${SUDO[@]}" pg_createcluster "$PG_VERSION" "$PG_CLUSTER" --port "$PG_PORT" >&2
fi
actual_port="$(cluster_line | awk '{print $3}')"
if [[ "$actual_port" != "$PG_PORT" ]]; then
  die "cluster ${PG_VERSION}/${PG_CLUSTER} is configured for port ${actual_port}, not ${PG_PORT} (set PG_PORT=${actual_port}?)"
fi

# 3. Start it unless it is already running.
if cluster_line | awk '{print $4}' | grep -qx online; then
  log "cluster ${PG_VERSION}/${PG_CLUSTER} already running on port ${PG_PORT}"
else
  log "starting cluster ${PG_VERSION}/${PG_CLUSTER}"
  # pg_ctlcluster needs the socket directory, which lives on a tmpfs that may be fresh.
  "${SUDO[@]}" install -d -o postgres -g postgres -m 2775 /var/run/postgresql
  "${SUDO[@]}" pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start >&2
fi

for _ in $(seq 1 60); do
  if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then break; fi
  sleep 0.5
done
"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" \
  || die "PostgreSQL is not accepting connections on 127.0.0.1:${PG_PORT}; see /var/log/postgresql/postgresql-${PG_VERSION}-${PG_CLUSTER}.log"

# 4. Role and database, idempotent. CREATEDB lets tests make throw-away databases of their own.
log "ensuring role ${DB_USER} and database ${DB_NAME}"
as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres \
  -v db_user="$DB_USER" -v db_password="$DB_PASSWORD" -v db_name="$DB_NAME" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'db_user', :'db_password')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'db_user') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'db_user', :'db_password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db_name', :'db_user')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db_name') \gexec
SQL

# 5. Check that the URL really works (password authentication over TCP).
if ! PGCONNECT_TIMEOUT=10 psql -X -q -At "$URL" -c 'select 1' >/dev/null; then
  die "cannot connect with ${URL}"
fi

log "PostgreSQL ${PG_VERSION} ready; use:"
log "  export FEATUREFLOW_TEST_PG_URL=${URL}"
echo "FEATUREFLOW_TEST_PG_URL=${URL}"
