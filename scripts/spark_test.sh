#!/usr/bin/env bash
# make test-spark: the project on Apache Spark (dbt-spark's `session` method), checked against
# DuckDB.
#
# No server: dbt-spark's session method runs a local Spark (pyspark, local[2], Java 17) inside
# dbt's own process, and load_raw / compare_engines open their own sessions on the same Derby
# metastore and parquet warehouse (the spark output of profiles.yml). Everything Spark writes
# goes below a temporary folder, removed on exit: each test case gets its own empty Spark home
# (AI_FINOPS_SPARK_HOME, set by the test below pytest's --basetemp), so nothing, not even the
# insert-only period-close models that outlive --full-refresh, leaks from one run or case into
# the next, and warehouse/spark is left alone.
#
# Then tests/python/test_engines.py for spark: load the raw lines of the bundled sample (and of
# a bad-input landing folder), build the project with --target spark, build the same folder on
# DuckDB, and compare every mart total and every line's classification. About 5 to 7 minutes
# on 2 cores, most of it Spark's per-statement overhead (starting sessions, planning).
#
# To run against a Spark home of your own, skip this script:
# `AI_FINOPS_SPARK_HOME=... AI_FINOPS_TEST_ENGINES=spark .venv/bin/python -m pytest tests/python/test_engines.py`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
    echo "spark_test: pyspark needs Java 17 (java on PATH or JAVA_HOME)" >&2
    exit 1
fi
echo "spark_test: $(java -version 2>&1 | head -n 1), pyspark $($PY -c 'import pyspark; print(pyspark.__version__)')"

WORK="$(mktemp -d /tmp/ai_finops_spark.XXXXXX)"
cleanup() {
    rm -rf "$WORK"
}
trap cleanup EXIT

# Absolute, as profiles.yml and load_raw put the metastore and warehouse below it; the tests
# replace it with one home per case, this one only catches a session opened outside them.
export AI_FINOPS_SPARK_HOME="$WORK/home"
# Spark's own scratch space (shuffle, spill) in the same folder, removed with it.
export SPARK_LOCAL_DIRS="$WORK/local"
mkdir -p "$AI_FINOPS_SPARK_HOME" "$SPARK_LOCAL_DIRS"
export AI_FINOPS_TEST_ENGINES=spark DBT_SEND_ANONYMOUS_USAGE_STATS=false
echo "spark_test: Spark homes, warehouses and test folders below $WORK"
# -rP prints the comparison report of each passing test; --durations shows where the time goes
$PY -m pytest -q -rP -p no:cacheprovider --durations=5 --basetemp "$WORK/pytest" \
    tests/python/test_engines.py
