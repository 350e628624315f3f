#!/usr/bin/env bash
# make test-postgres: the project on a real PostgreSQL server, checked against DuckDB.
#
# Starts a throwaway PostgreSQL server (Debian's `postgresql` package, installed here if it is
# missing) on 127.0.0.1 only, with its data directory in a temporary folder, as a non-root user;
# then runs tests/python/test_engines.py for postgres: load the raw lines of the bundled sample
# (and of a bad-input landing folder), build the project with --target postgres, build the same
# folder on DuckDB, and compare every mart total and every line's classification. The server and
# its folder are removed on exit. Needs root (or sudo) only to install the package.
#
# To test against a server of your own instead, skip this script: set AI_FINOPS_PG_* (see the
# README) and run `AI_FINOPS_TEST_ENGINES=postgres .venv/bin/python -m pytest tests/python/test_engines.py`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

find_pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

PGBIN="$(find_pg_bin)"
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
    echo "postgres_test: installing PostgreSQL from Debian's packages"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PGBIN="$(find_pg_bin)"
fi
echo "postgres_test: $("$PGBIN/postgres" --version)"

# PostgreSQL refuses to run as root: run it as the package's `postgres` user (or nobody).
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
    if id postgres >/dev/null 2>&1; then PG_USER=postgres; else PG_USER=nobody; fi
    RUN_AS=(runuser -u "$PG_USER" --)
fi

WORK="$(mktemp -d /tmp/ai_finops_pg.XXXXXX)"
chmod 755 "$WORK"
mkdir -p "$WORK/data" "$WORK/socket"
if [ "${#RUN_AS[@]}" -gt 0 ]; then chown -R "$PG_USER" "$WORK"; fi
PORT="$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

cleanup() {
    "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# C collation and UTF-8: strings sort by bytes, as on DuckDB, so ties break the same way.
"${RUN_AS[@]}" "$PGBIN/initdb" -D "$WORK/data" -U postgres -A trust -E UTF8 --no-locale --no-sync \
    >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log"; exit 1; }
"${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start -o \
    "-c listen_addresses=127.0.0.1 -p $PORT -k $WORK/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    >/dev/null || { cat "$WORK/server.log"; exit 1; }
"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres ai_finops
echo "postgres_test: server on 127.0.0.1:$PORT, data in $WORK/data"

export AI_FINOPS_PG_HOST=127.0.0.1 AI_FINOPS_PG_PORT="$PORT" AI_FINOPS_PG_USER=postgres
export AI_FINOPS_PG_PASSWORD="" AI_FINOPS_PG_DATABASE=ai_finops AI_FINOPS_PG_SCHEMA=main
export AI_FINOPS_TEST_ENGINES=postgres DBT_SEND_ANONYMOUS_USAGE_STATS=false
# -rP prints the comparison report of each passing test
$PY -m pytest -q -rP -p no:cacheprovider tests/python/test_engines.py
