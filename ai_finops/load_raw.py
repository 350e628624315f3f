"""Load the landing files' raw lines into a warehouse that cannot read local files (Postgres, Spark).

Usage::

    python -m ai_finops.load_raw --engine postgres [--raw-dir DIR] [--source litellm --source otel]
    python -m ai_finops.load_raw --engine spark    [--raw-dir DIR]

On DuckDB the project reads ``<raw_dir>/<source>/**/*.jsonl[.gz]`` itself (macro
``landing_lines``). PostgreSQL and Spark read the dbt sources ``litellm.raw_lines`` and
``otel.raw_lines`` instead (``models/staging/*/_*__sources.yml``; a source's schema is its
name), which this loader fills with one row per physical line of every landing file::

    source_file       text     the path as the DuckDB build names it: <raw_dir>/<source>/<relative>
    line_number       bigint   1-based, numbered as DuckDB's reader numbers lines
    raw_line          text     the line, unparsed; NULL for a blank line
    has_invalid_utf8  boolean  bytes that were not UTF-8 were replaced by U+FFFD

Lines are split, numbered and decoded by the same reader the DuckDB build falls back to
(``duckdb_plugin.iter_landing_lines``), so the engines agree on what a line is. A NUL character,
which a PostgreSQL text value cannot hold, is replaced by U+FFFD and the line flagged too.

Each run replaces the tables' contents with the landing folder as it is now (one transaction
per source on PostgreSQL), as a DuckDB build sees the folder as it is when it runs.

Connections use the settings of the ``postgres`` and ``spark`` outputs of ``profiles.yml``
(the same environment variables, with the same loopback defaults).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from ai_finops.duckdb_plugin import iter_landing_lines

SOURCES = ("litellm", "otel")
TABLE = "raw_lines"
REPLACEMENT = "\ufffd"


def landing_files(raw_dir: str, source: str) -> list[str]:
    """The landing files of one source, sorted, named as the DuckDB build names them."""
    base = Path(raw_dir) / source
    if not base.is_dir():
        return []
    found = [
        p for p in base.rglob("*.jsonl*")
        if p.is_file() and (p.name.endswith(".jsonl") or p.name.endswith(".jsonl.gz"))
    ]
    # DuckDB's glob returns '<raw_dir>/<source>/<relative path>' as the pattern spells the folder
    return sorted(f"{raw_dir.rstrip('/')}/{source}/{p.relative_to(base).as_posix()}" for p in found)


def iter_rows(raw_dir: str, source: str) -> Iterator[tuple[str, int, str | None, bool]]:
    """(source_file, line_number, raw_line, has_invalid_utf8) for every line of a source."""
    for path in landing_files(raw_dir, source):
        for number, text, bad in iter_landing_lines(path):
            if text is not None and "\x00" in text:
                text, bad = text.replace("\x00", REPLACEMENT), True
            yield path, number, text, bad


# PostgreSQL ----------------------------------------------------------------------------------


def postgres_settings() -> dict[str, str | int]:
    """Connection settings of the profile's postgres output (same variables, same defaults)."""
    return {
        "host": os.environ.get("AI_FINOPS_PG_HOST", "127.0.0.1"),
        "port": int(os.environ.get("AI_FINOPS_PG_PORT", "5432")),
        "user": os.environ.get("AI_FINOPS_PG_USER", "postgres"),
        "password": os.environ.get("AI_FINOPS_PG_PASSWORD", ""),
        "dbname": os.environ.get("AI_FINOPS_PG_DATABASE", "ai_finops"),
    }


def _copy_text(value: object) -> str:
    """One field in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return (
        str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


class _CopyStream(io.TextIOBase):
    """A file-like object COPY reads from, producing rows lazily (no whole file in memory)."""

    def __init__(self, rows: Iterator[tuple]) -> None:
        self._rows = rows
        self._buffer = ""
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        while size < 0 or len(self._buffer) < size:
            row = next(self._rows, None)
            if row is None:
                break
            self.count += 1
            self._buffer += "\t".join(_copy_text(v) for v in row) + "\n"
        if size < 0:
            out, self._buffer = self._buffer, ""
        else:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

    readline = read


def load_postgres(raw_dir: str, sources: tuple[str, ...]) -> dict[str, int]:
    import psycopg2

    counts: dict[str, int] = {}
    with psycopg2.connect(**postgres_settings()) as conn:
        conn.set_client_encoding("UTF8")
        for source in sources:
            with conn.cursor() as cur:
                cur.execute(f'create schema if not exists "{source}"')
                cur.execute(
                    f'create table if not exists "{source}".{TABLE} ('
                    " source_file text not null, line_number bigint not null, raw_line text,"
                    " has_invalid_utf8 boolean not null default false)"
                )
                cur.execute(f'truncate table "{source}".{TABLE}')
                stream = _CopyStream(iter_rows(raw_dir, source))
                cur.copy_expert(
                    f'copy "{source}".{TABLE} (source_file, line_number, raw_line, has_invalid_utf8)'
                    " from stdin with (format text)",
                    stream,
                )
                counts[source] = stream.count
            conn.commit()
    return counts


# Spark ---------------------------------------------------------------------------------------


def spark_session():
    """A local Spark session on the metastore and warehouse the profile's spark output uses."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("ai_finops.load_raw").enableHiveSupport()
    for key, value in spark_settings().items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def spark_settings() -> dict[str, str]:
    """The Spark configuration shared with profiles.yml's spark output (server_side_parameters)."""
    # relative to the working directory, as in profiles.yml: run both from the project root
    home = os.environ.get("AI_FINOPS_SPARK_HOME", "warehouse/spark")
    return {
        "spark.master": os.environ.get("AI_FINOPS_SPARK_MASTER", "local[2]"),
        "spark.sql.warehouse.dir": f"{home}/warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={home}/metastore_db;create=true"
        ),
        "spark.driver.memory": os.environ.get("AI_FINOPS_SPARK_DRIVER_MEMORY", "2g"),
        "spark.sql.shuffle.partitions": "2",
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        # `create table ... as select` without `using` makes a parquet table, not a Hive one
        "spark.sql.legacy.createHiveTableByDefault": "false",
        "spark.ui.showConsoleProgress": "false",
        # decimals keep their scale, as in the dbt build (see profiles.yml)
        "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    }


def load_spark(raw_dir: str, sources: tuple[str, ...]) -> dict[str, int]:
    from pyspark.sql.types import BooleanType, LongType, StringType, StructField, StructType

    schema = StructType([
        StructField("source_file", StringType(), False),
        StructField("line_number", LongType(), False),
        StructField("raw_line", StringType(), True),
        StructField("has_invalid_utf8", BooleanType(), False),
    ])
    spark = spark_session()
    counts: dict[str, int] = {}
    try:
        for source in sources:
            rows = list(iter_rows(raw_dir, source))
            spark.sql(f"create database if not exists {source}")
            frame = spark.createDataFrame(rows, schema=schema)
            frame.coalesce(1).write.mode("overwrite").format("parquet").saveAsTable(
                f"{source}.{TABLE}"
            )
            counts[source] = len(rows)
    finally:
        spark.stop()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("postgres", "spark"), required=True)
    parser.add_argument(
        "--raw-dir", default=os.environ.get("AI_FINOPS_RAW_DIR", "data/sample"),
        help="landing folder (default: env AI_FINOPS_RAW_DIR, else data/sample)",
    )
    parser.add_argument(
        "--source", action="append", choices=SOURCES,
        help="a source to load (repeatable; default: all)",
    )
    args = parser.parse_args(argv)
    sources = tuple(args.source or SOURCES)
    load = load_postgres if args.engine == "postgres" else load_spark
    counts = load(args.raw_dir, sources)
    for source, count in counts.items():
        print(f"{args.engine}: {source}.{TABLE} <- {count} lines from {args.raw_dir}/{source}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
