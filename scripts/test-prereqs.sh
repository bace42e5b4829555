#!/usr/bin/env bash
# What `npm test` needs besides node_modules and the Temporal CLI: PostgreSQL 15 (started, with
# the test role and database) and Debian's Chromium for the browser tests. Installs what is
# missing when it can (root + apt), starts PostgreSQL, and prints as its LAST line
#   FEATUREFLOW_TEST_PG_URL=postgres://...
# The jest global setup runs it when FEATUREFLOW_TEST_PG_URL is not set; .ci/run runs it too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
if ! have_pkg postgresql-15 || [[ ! -x /usr/lib/postgresql/15/bin/postgres ]]; then missing+=(postgresql); fi
if ! have_pkg chromium || [[ ! -x /usr/bin/chromium ]]; then missing+=(chromium); fi
if ! have_pkg chromium-driver || [[ ! -x /usr/bin/chromedriver ]]; then missing+=(chromium-driver); fi
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "test-prereqs: missing Debian packages (${missing[*]}) and no root/apt to install them" >&2
    exit 1
  fi
  echo "test-prereqs: installing ${missing[*]}" >&2
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# start-postgres.sh prints its logs on stderr and the URL line last on stdout.
bash scripts/start-postgres.sh | tail -n 1
