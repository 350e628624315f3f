"""Compare the marts of two builds of the project on different engines: the same totals, or not.

Usage::

    python -m ai_finops.compare_engines --left duckdb --right postgres
    python -m ai_finops.compare_engines --left duckdb --right spark [--mart fct_llm_requests ...]

For every mart (each model under ``models/marts/``) it computes, on each warehouse, the row
count and the sum of every numeric column (booleans: the number of rows that are true), and
reports the differences (``--lines``: also what every landing line and span became in
staging, field by field). Integers and decimals (money) must be equal exactly; floating-point
columns (shares, ratios, percentiles) within a relative 1e-9. A mart or a column missing on
one side is a difference too; build bookkeeping (``valuation_seq``) is not compared. Exit status: 0 when every total is equal, 1 otherwise.

Connections use the settings of ``profiles.yml`` (the same environment variables, with the same
defaults): DuckDB ``AI_FINOPS_DUCKDB_PATH``; PostgreSQL ``AI_FINOPS_PG_*`` (schema
``AI_FINOPS_PG_SCHEMA``, default ``main``); Spark ``AI_FINOPS_SPARK_*`` (schema
``AI_FINOPS_SPARK_SCHEMA``, default ``ai_finops``), in a local session on the same metastore.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("duckdb", "postgres", "spark")
FLOAT_RELATIVE_TOLERANCE = 1e-9
# Numbers a build keeps about itself, not about the requests: which build valued a row depends on
# how many builds ran (and Spark rebuilds every request each time), not on the engine's answer.
BUILD_BOOKKEEPING = {"valuation_seq"}


def mart_names(models_dir: Path = ROOT / "models" / "marts") -> list[str]:
    """The marts of the project: every model below models/marts/."""
    return sorted(p.stem for p in models_dir.rglob("*.sql"))


def column_kind(data_type: str) -> str | None:
    """'exact' (integers, decimals), 'float', 'bool', or None (not totalled) for an engine's type."""
    t = data_type.lower()
    if t.startswith(("decimal", "numeric")) or t in {
        "tinyint", "smallint", "integer", "int", "bigint", "hugeint", "int2", "int4", "int8",
        "utinyint", "usmallint", "uinteger", "ubigint", "uhugeint",
    }:
        return "exact"
    if t in {"double", "double precision", "float", "float4", "float8", "real"}:
        return "float"
    if t in {"boolean", "bool"}:
        return "bool"
    return None


@dataclass
class Totals:
    rows: int
    sums: dict[str, tuple[str, object]]  # column -> (kind, total)


class Warehouse:
    """One engine's connection: lists a relation's columns and runs one aggregate query."""

    name: str
    schema: str

    def columns(self, table: str) -> list[tuple[str, str]] | None:
        raise NotImplementedError

    def fetch_one(self, sql: str) -> tuple:
        return self.fetch_all(sql)[0]

    def fetch_all(self, sql: str) -> list[tuple]:
        raise NotImplementedError

    def relation(self, table: str) -> str:
        return f"{self.schema}.{table}"

    def close(self) -> None:
        pass

    def totals(self, table: str) -> Totals | None:
        cols = self.columns(table)
        if cols is None:
            return None
        measured = [(c, column_kind(t)) for c, t in cols]
        measured = [(c, k) for c, k in measured if k and c.lower() not in BUILD_BOOKKEEPING]
        exprs = ["count(*)"]
        for column, kind in measured:
            quoted = self.quote(column)
            if kind == "bool":
                exprs.append(f"sum(case when {quoted} then 1 else 0 end)")
            else:
                exprs.append(f"sum({quoted})")
        row = self.fetch_one(f"select {', '.join(exprs)} from {self.relation(table)}")
        sums = {c: (k, v) for (c, k), v in zip(measured, row[1:])}
        return Totals(rows=int(row[0]), sums=sums)

    def quote(self, column: str) -> str:
        return f'"{column}"'


class DuckDBWarehouse(Warehouse):
    name = "duckdb"

    def __init__(self) -> None:
        import duckdb

        path = os.environ.get("AI_FINOPS_DUCKDB_PATH", "warehouse/ai_finops.duckdb")
        self.con = duckdb.connect(path, read_only=True)
        self.schema = os.environ.get("AI_FINOPS_DUCKDB_SCHEMA", "main")

    def columns(self, table):
        rows = self.con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = ? and table_name = ? order by ordinal_position",
            [self.schema, table],
        ).fetchall()
        return rows or None

    def fetch_all(self, sql):
        return self.con.execute(sql).fetchall()

    def close(self):
        self.con.close()


class PostgresWarehouse(Warehouse):
    name = "postgres"

    def __init__(self) -> None:
        import psycopg2

        from ai_finops.load_raw import postgres_settings

        self.con = psycopg2.connect(**postgres_settings())
        self.schema = os.environ.get("AI_FINOPS_PG_SCHEMA", "main")

    def columns(self, table):
        with self.con.cursor() as cur:
            cur.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = %s and table_name = %s order by ordinal_position",
                [self.schema, table],
            )
            rows = cur.fetchall()
        return rows or None

    def fetch_all(self, sql):
        with self.con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()

    def relation(self, table):
        return f'"{self.schema}"."{table}"'

    def close(self):
        self.con.close()


class SparkWarehouse(Warehouse):
    name = "spark"

    def __init__(self) -> None:
        from ai_finops.load_raw import spark_session

        self.spark = spark_session()
        self.schema = os.environ.get("AI_FINOPS_SPARK_SCHEMA", "ai_finops")

    def columns(self, table):
        if not self.spark.catalog.tableExists(table, self.schema):
            return None
        fields = self.spark.table(self.relation(table)).schema.fields
        return [(f.name, f.dataType.simpleString()) for f in fields]

    def fetch_all(self, sql):
        return [tuple(row) for row in self.spark.sql(sql).collect()]

    def quote(self, column):
        return f"`{column}`"

    def close(self):
        self.spark.stop()


def connect(engine: str) -> Warehouse:
    return {"duckdb": DuckDBWarehouse, "postgres": PostgresWarehouse, "spark": SparkWarehouse}[
        engine
    ]()


def _equal(kind: str, left: object, right: object) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if kind == "float":
        a, b = float(left), float(right)
        return math.isclose(a, b, rel_tol=FLOAT_RELATIVE_TOLERANCE, abs_tol=1e-12)
    return Decimal(str(left)) == Decimal(str(right))


def _show(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def compare(left: Warehouse, right: Warehouse, marts: list[str]) -> tuple[list[str], list[str]]:
    """(report lines, differences) for every mart."""
    lines: list[str] = []
    differences: list[str] = []
    for mart in marts:
        a, b = left.totals(mart), right.totals(mart)
        if a is None or b is None:
            missing = left.name if a is None else right.name
            differences.append(f"{mart}: not built on {missing}")
            lines.append(f"{mart}: MISSING on {missing}")
            continue
        mart_diffs = []
        if a.rows != b.rows:
            mart_diffs.append(f"{mart}: rows {a.rows} ({left.name}) != {b.rows} ({right.name})")
        for column in sorted(set(a.sums) | set(b.sums)):
            if column not in a.sums or column not in b.sums:
                side = left.name if column not in a.sums else right.name
                mart_diffs.append(f"{mart}.{column}: no numeric column on {side}")
                continue
            kind, va = a.sums[column]
            _, vb = b.sums[column]
            if not _equal(kind, va, vb):
                mart_diffs.append(
                    f"{mart}.{column}: {_show(va)} ({left.name}) != {_show(vb)} ({right.name})"
                )
        status = "equal" if not mart_diffs else f"{len(mart_diffs)} difference(s)"
        lines.append(f"{mart}: {a.rows} rows, {len(a.sums)} numeric columns totalled: {status}")
        differences += mart_diffs
    return lines, differences


# What each landing line (span) became, compared line by line with --lines: the staging
# models' classification and the fields that price and attribute a request.
LINE_MODELS = {
    "stg_litellm__log_lines": (
        ("source_file", "line_number"),
        (
            "quarantine_reason", "request_id", "trace_id", "has_invalid_utf8", "requested_at",
            "ended_at", "provider", "model", "call_type", "status", "service_tier",
            "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens",
            "reasoning_tokens", "gateway_cost_usd", "request_tag_count", "tag_feature",
            "tag_team", "tag_environment", "tag_region", "tag_customer_id", "metadata_feature",
            "metadata_environment", "metadata_region", "metadata_customer_id", "api_key_alias",
            "api_key_team_alias", "end_user_id",
        ),
    ),
    "stg_otel__spans": (
        ("source_file", "line_number", "span_index"),
        (
            "span_outcome", "skip_reason", "quarantine_reason", "request_id", "trace_id",
            "span_id", "parent_span_id", "has_invalid_utf8", "requested_at", "ended_at",
            "provider", "model", "call_type", "status", "service_tier", "is_usage_reported",
            "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens",
            "reasoning_tokens", "request_tag_count", "tag_feature", "tag_team",
            "tag_environment", "tag_region", "tag_customer_id", "service_name",
            "resource_feature", "resource_team", "resource_customer_id", "resource_environment",
            "resource_region", "end_user_id",
        ),
    ),
}


def _normalise(value: object) -> object:
    """One spelling per value whatever the engine's driver returns (Decimal, float, datetime)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value)).normalize() if math.isfinite(float(value)) else float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def line_rows(warehouse: Warehouse, model: str) -> dict[tuple, tuple] | None:
    keys, fields = LINE_MODELS[model]
    if warehouse.columns(model) is None:
        return None
    columns = ", ".join(warehouse.quote(c) for c in keys + fields)
    rows = warehouse.fetch_all(f"select {columns} from {warehouse.relation(model)}")
    return {
        tuple(_normalise(v) for v in row[: len(keys)]): tuple(_normalise(v) for v in row[len(keys):])
        for row in rows
    }


def compare_lines(left: Warehouse, right: Warehouse, limit: int = 20) -> tuple[list[str], list[str]]:
    """(report lines, differences): what every landing line became, engine against engine."""
    lines: list[str] = []
    differences: list[str] = []
    for model, (keys, fields) in LINE_MODELS.items():
        a, b = line_rows(left, model), line_rows(right, model)
        if a is None or b is None:
            missing = left.name if a is None else right.name
            differences.append(f"{model}: not built on {missing}")
            continue
        diffs = []
        for key in sorted(set(a) | set(b), key=repr):
            if key not in a or key not in b:
                side = left.name if key not in a else right.name
                diffs.append(f"{model} {key}: no row on {side}")
                continue
            for field, va, vb in zip(fields, a[key], b[key]):
                if va != vb:
                    diffs.append(f"{model} {key} {field}: {va!r} ({left.name}) != {vb!r} ({right.name})")
        lines.append(f"{model}: {len(a)} rows, {len(fields)} fields each: "
                     + ("equal" if not diffs else f"{len(diffs)} difference(s)"))
        differences += diffs[:limit] + ([f"... and {len(diffs) - limit} more"] if len(diffs) > limit else [])
    return lines, differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--left", choices=ENGINES, default="duckdb")
    parser.add_argument("--right", choices=ENGINES, required=True)
    parser.add_argument("--mart", action="append", help="a mart to compare (default: all)")
    parser.add_argument(
        "--lines", action="store_true",
        help="also compare what every landing line and span became in staging, field by field",
    )
    args = parser.parse_args(argv)
    marts = args.mart or mart_names()
    left = connect(args.left)
    try:
        right = connect(args.right)
        try:
            lines, differences = compare(left, right, marts)
            if args.lines:
                more_lines, more_differences = compare_lines(left, right)
                lines += more_lines
                differences += more_differences
        finally:
            right.close()
    finally:
        left.close()
    print(f"Mart totals, {args.left} vs {args.right} (row counts, sums of numeric columns):")
    print("\n".join(f"  {line}" for line in lines))
    if differences:
        print(f"{len(differences)} difference(s):")
        print("\n".join(f"  - {d}" for d in differences))
        return 1
    what = f"All {len(marts)} marts have equal totals"
    if args.lines:
        what += " and every landing line was classified the same"
    print(f"{what} on {args.left} and {args.right}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
