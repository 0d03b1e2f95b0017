#!/usr/bin/env bash
# Runs the suites: SQLite, PostgreSQL (+ Redis, + concurrency) and the browser.
# A suite whose server or browser is missing is skipped with a notice, except when
# MERCATOR_REQUIRE_ALL=1 (CI), where that is a failure: a green CI means all of it ran.
set -uo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
PY=.venv/bin/python
PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mercator}"
REDIS="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
CHROMIUM="${MERCATOR_CHROMIUM:-/usr/bin/chromium}"
require_all="${MERCATOR_REQUIRE_ALL:-0}"
failed=()
skipped=()

missing() {  # $1 suite, $2 reason
  if [ "$require_all" = "1" ]; then
    echo "FAIL: suite '$1' cannot run: $2 (MERCATOR_REQUIRE_ALL=1)" >&2
    failed+=("$1")
  else
    echo "SKIP: suite '$1': $2" >&2
    skipped+=("$1")
  fi
}

suite() {  # $1 name, rest: env assignments and pytest args
  local name="$1"; shift
  echo "=== suite: $name ==="
  if ! env "$@"; then failed+=("$name"); fi
}

pg_ok() { $PY - "$PG_URL" <<'PY' 2>/dev/null
import sys, psycopg, dj_database_url
c = dj_database_url.parse(sys.argv[1])
psycopg.connect(host=c["HOST"], port=c["PORT"] or 5432, user=c["USER"], dbname="postgres", connect_timeout=3).close()
PY
}
redis_ok() { $PY -c "import redis,sys; redis.Redis.from_url(sys.argv[1], socket_timeout=3).ping()" "$REDIS" 2>/dev/null; }

export MERCATOR_HUEY_NAME=mercator-test

run_sqlite() {
  # Includes tests/concurrency's "served" load test (16 clients over HTTP, ~1 min). The
  # API contract (schemathesis) runs once, in the PostgreSQL suite.
  suite sqlite MERCATOR_VAR_DIR=var/test-sqlite DATABASE_URL= REDIS_URL= \
    $PY -m pytest -m "not browser and not concurrency and not contract" --ignore=tests/browser \
    -p no:cacheprovider -q
}

run_postgres() {
  if ! pg_ok; then missing postgres "no PostgreSQL at $PG_URL"
  elif ! redis_ok; then missing postgres "no Redis at $REDIS"
  else
    # "served": the embedded default under load through `mercator serve` on a SQLite
    # file; it runs in the SQLite suite above whatever the suite's database is.
    suite postgres MERCATOR_VAR_DIR=var/test-postgres DATABASE_URL="$PG_URL" REDIS_URL="$REDIS" \
      $PY -m pytest -m "not browser and not served" --ignore=tests/browser -p no:cacheprovider -q
  fi
}

run_browser() {
  if [ ! -x "$CHROMIUM" ]; then missing browser "no Chromium at $CHROMIUM"
  else
    suite browser MERCATOR_VAR_DIR=var/test-browser DATABASE_URL= REDIS_URL= \
      MERCATOR_CHROMIUM="$CHROMIUM" $PY -m pytest tests/browser -m browser -p no:cacheprovider -q
  fi
}

case "$which" in
  sqlite) run_sqlite ;;
  postgres) run_postgres ;;
  browser) run_browser ;;
  all)
    # Two lanes for two cores: the PostgreSQL suite in the background (its output shown
    # whole when it ends), the SQLite and browser suites here. MERCATOR_TEST_LANES=1 runs
    # them one after the other.
    if [ "${MERCATOR_TEST_LANES:-2}" = "1" ]; then
      run_sqlite; run_postgres; run_browser
    else
      mkdir -p var
      pg_log=var/test-postgres.log
      ( run_postgres
        if [ ${#failed[@]} -gt 0 ]; then exit 1; fi
        if [ ${#skipped[@]} -gt 0 ]; then exit 2; fi ) >"$pg_log" 2>&1 &
      pg_lane=$!
      run_sqlite
      run_browser
      echo "=== waiting for the PostgreSQL suite ==="
      wait "$pg_lane"; lane=$?
      cat "$pg_log"
      case "$lane" in
        0) ;;
        2) skipped+=(postgres) ;;
        *) failed+=(postgres) ;;
      esac
    fi
    ;;
  *) echo "usage: $0 [all|sqlite|postgres|browser]" >&2; exit 2 ;;
esac

echo
[ ${#skipped[@]} -gt 0 ] && echo "Skipped suites: ${skipped[*]}"
if [ ${#failed[@]} -gt 0 ]; then echo "Failed suites: ${failed[*]}"; exit 1; fi
echo "All suites passed."
