"""Land the landing folder into a warehouse that cannot read local files (Postgres, Spark).

Usage::

    python -m ai_finops.load_raw --engine postgres [--raw-dir DIR] [--source litellm --source otel]
    python -m ai_finops.load_raw --engine spark    [--raw-dir DIR]

On DuckDB the build lists and reads ``<raw_dir>/<source>/`` itself (model ``stg_landing__ledger``,
macro ``landing_lines``). PostgreSQL and Spark cannot read local files from SQL, so this loader
keeps the same landing ledger for them, with the same rules, and the build reads what it landed:

``landing.landed_files``  one row per state of a landing file the loader found (the dbt source
    ``landing.landed_files``): ledger_seq, source_system, source_file, layout, file_size,
    modified_at, fingerprint, outcome (loaded / appended / touched / shrunk / rewritten /
    skipped / unreadable), problems, lines_total (lines read from the file so far).
``<source>.raw_lines``  the lines of what was loaded or appended, each with its ledger entry::

    ledger_seq        bigint   the landed_files entry that brought the line
    source_file       text     the path as the DuckDB build names it: <raw_dir>/<source>/<relative>
    line_number       bigint   1-based, numbered as DuckDB's reader numbers lines
    raw_line          text     the line, unparsed; NULL for a blank line
    has_invalid_utf8  boolean  bytes that were not UTF-8 were replaced by U+FFFD

A run lands only what is new: files it has not seen, and the new lines of a line file that grew
while keeping its earlier bytes. A file that shrank or was rewritten is recorded and reported,
not read again; a file no reader recognises (var ``landing_layouts`` in dbt_project.yml, read
here too) is recorded as skipped. Nothing is deleted: a file removed from the folder keeps what
was landed from it. Lines are split, numbered and decoded by the reader the DuckDB build falls
back to (``duckdb_plugin.iter_landing_lines``), so the engines agree on what a line is. A NUL
character, which a PostgreSQL text value cannot hold, is replaced by U+FFFD and the line flagged.

Connections use the settings of the ``postgres`` and ``spark`` outputs of ``profiles.yml``
(the same environment variables, with the same loopback defaults).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from ai_finops.duckdb_plugin import decode_lossy, fingerprints, iter_landing_lines

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("litellm", "otel")
TABLE = "raw_lines"
LEDGER_SCHEMA = "landing"
LEDGER_TABLE = "landed_files"
REPLACEMENT = "\ufffd"
READ_OUTCOMES = ("loaded", "appended", "touched")
LEDGER_COLUMNS = ("ledger_seq", "source_system", "source_file", "layout", "file_size",
                  "modified_at", "fingerprint", "outcome", "problems", "lines_total")


def landing_layouts() -> dict[str, dict[str, str]]:
    """var landing_layouts of dbt_project.yml: source -> file-name ending -> layout."""
    project = yaml.safe_load((ROOT / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"]["landing_layouts"]


def layout_of(name: str, layouts: dict[str, str]) -> str:
    """The layout of a file name: the longest matching ending wins, else ``unknown``."""
    for suffix in sorted(layouts, key=len, reverse=True):
        if name.endswith(suffix):
            return layouts[suffix]
    return "unknown"


@dataclass
class Entry:
    """One landing-ledger row; ``lines_before`` is where an appended tail starts."""

    ledger_seq: int
    source_system: str
    source_file: str
    layout: str
    file_size: int
    modified_at: dt.datetime
    fingerprint: str | None
    outcome: str
    lines_before: int = 0
    lines_total: int = 0

    def row(self) -> tuple:
        """The landed_files row (times as naive UTC, as both engines store them)."""
        return (self.ledger_seq, self.source_system, self.source_file, self.layout,
                self.file_size, self.modified_at.replace(tzinfo=None), self.fingerprint,
                self.outcome, "", self.lines_total)


def landing_files(raw_dir: str, source: str) -> list[str]:
    """Every file below a source's folder, sorted, named as the DuckDB build names them."""
    base = Path(raw_dir) / source
    if not base.is_dir():
        return []
    # DuckDB's glob returns '<raw_dir>/<source>/<relative path>' as the pattern spells the folder
    return sorted(f"{raw_dir.rstrip('/')}/{source}/{p.relative_to(base).as_posix()}"
                  for p in base.rglob("*") if p.is_file())


def plan(raw_dir: str, sources: tuple[str, ...], history: list[dict]) -> list[Entry]:
    """The ledger entries a run adds: the rules of macro duckdb__landing_ledger_new_entries."""
    layouts = landing_layouts()
    latest: dict[tuple[str, str], dict] = {}
    latest_read: dict[tuple[str, str], dict] = {}
    for row in sorted(history, key=lambda r: r["ledger_seq"]):
        key = (row["source_system"], row["source_file"])
        latest[key] = row
        if row["outcome"] in READ_OUTCOMES:
            latest_read[key] = row
    found = []
    for source in sources:
        for path in landing_files(raw_dir, source):
            stat = os.stat(path)
            # seconds, as DuckDB's file listing reports modification times
            modified = dt.datetime.fromtimestamp(int(stat.st_mtime), tz=dt.UTC)
            before = latest.get((source, path))
            if before and before["file_size"] == stat.st_size and \
                    _utc(before["modified_at"]) == modified:
                continue
            found.append((modified, source, path, stat.st_size))
    next_seq = max((r["ledger_seq"] for r in history), default=0)
    entries = []
    for modified, source, path, size in sorted(found):
        layout = layout_of(path, layouts[source])
        read = latest_read.get((source, path))
        fingerprint = None
        if layout == "unknown":
            outcome = "skipped"
        else:
            try:
                fingerprint, prefix = fingerprints(path, read["file_size"] if read else 0)
            except OSError:
                outcome = "unreadable"
            else:
                if read is None:
                    outcome = "loaded"
                elif prefix == read["fingerprint"] and size == read["file_size"]:
                    outcome = "touched"
                elif layout in ("object", "csv"):
                    outcome = "rewritten"
                elif size < read["file_size"]:
                    outcome = "shrunk"
                elif prefix == read["fingerprint"]:
                    outcome = "appended"
                else:
                    outcome = "rewritten"
        next_seq += 1
        # an appended tail starts after the lines read so far; lines_total grows as it is read
        lines_before = (read or {}).get("lines_total") or 0
        entries.append(Entry(next_seq, source, path, layout, size, modified, fingerprint,
                             outcome, lines_before, lines_before))
    return entries


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def entry_lines(entry: Entry) -> Iterator[tuple[int, str, int, str | None, bool]]:
    """(ledger_seq, source_file, line_number, raw_line, has_invalid_utf8) of what an entry
    brings: a new file's every line or object, a grown file's new lines; counts lines_total."""
    if entry.outcome not in ("loaded", "appended"):
        return
    if entry.layout == "object":
        content = Path(entry.source_file).read_bytes()
        try:
            text, bad = content.decode("utf-8"), False
        except UnicodeDecodeError:
            text, bad = decode_lossy(content), True
        rows = [(1, text.removeprefix("\ufeff") or None, bad)]
    else:
        rows = iter_landing_lines(entry.source_file)
    for number, text, bad in rows:
        entry.lines_total = max(entry.lines_total, number)
        if number <= entry.lines_before:
            continue
        if text is not None and "\x00" in text:
            text, bad = text.replace("\x00", REPLACEMENT), True
        yield entry.ledger_seq, entry.source_file, number, text, bad


def iter_rows(raw_dir: str, source: str) -> Iterator[tuple[str, int, str | None, bool]]:
    """(source_file, line_number, raw_line, has_invalid_utf8) of every line a first landing of
    a source's folder brings (the rows the engines' builds parse)."""
    for entry in plan(raw_dir, (source,), []):
        for _, path, number, text, bad in entry_lines(entry):
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
    import psycopg2.extras

    counts: dict[str, int] = {source: 0 for source in sources}
    with psycopg2.connect(**postgres_settings()) as conn:
        conn.set_client_encoding("UTF8")
        with conn.cursor() as cur:
            cur.execute(f'create schema if not exists "{LEDGER_SCHEMA}"')
            cur.execute(
                f'create table if not exists "{LEDGER_SCHEMA}".{LEDGER_TABLE} ('
                " ledger_seq bigint primary key, source_system text not null,"
                " source_file text not null, layout text not null, file_size bigint not null,"
                " modified_at timestamp not null, fingerprint text, outcome text not null,"
                " problems text not null default '', lines_total bigint not null default 0)"
            )
            for source in sources:
                cur.execute(f'create schema if not exists "{source}"')
                cur.execute(
                    f'create table if not exists "{source}".{TABLE} ('
                    " ledger_seq bigint not null, source_file text not null,"
                    " line_number bigint not null, raw_line text,"
                    " has_invalid_utf8 boolean not null default false)"
                )
            cur.execute(f'select {", ".join(LEDGER_COLUMNS)} from "{LEDGER_SCHEMA}".{LEDGER_TABLE}')
            history = [dict(zip(LEDGER_COLUMNS, row, strict=True)) for row in cur.fetchall()]
            entries = plan(raw_dir, sources, history)
            # lines first (they count lines_total), then the ledger rows: one transaction
            for source in sources:
                stream = _CopyStream(
                    line for entry in entries if entry.source_system == source
                    for line in entry_lines(entry)
                )
                cur.copy_expert(
                    f'copy "{source}".{TABLE} (ledger_seq, source_file, line_number, raw_line,'
                    " has_invalid_utf8) from stdin with (format text)",
                    stream,
                )
                counts[source] = stream.count
            psycopg2.extras.execute_values(
                cur,
                f'insert into "{LEDGER_SCHEMA}".{LEDGER_TABLE} ({", ".join(LEDGER_COLUMNS)}) values %s',
                [entry.row() for entry in entries],
            )
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
    from pyspark.sql.types import (
        BooleanType,
        LongType,
        StringType,
        StructField,
        StructType,
        TimestampType,
    )

    lines_schema = StructType([
        StructField("ledger_seq", LongType(), False),
        StructField("source_file", StringType(), False),
        StructField("line_number", LongType(), False),
        StructField("raw_line", StringType(), True),
        StructField("has_invalid_utf8", BooleanType(), False),
    ])
    ledger_schema = StructType([
        StructField("ledger_seq", LongType(), False),
        StructField("source_system", StringType(), False),
        StructField("source_file", StringType(), False),
        StructField("layout", StringType(), False),
        StructField("file_size", LongType(), False),
        StructField("modified_at", TimestampType(), False),
        StructField("fingerprint", StringType(), True),
        StructField("outcome", StringType(), False),
        StructField("problems", StringType(), False),
        StructField("lines_total", LongType(), False),
    ])
    spark = spark_session()
    counts: dict[str, int] = {}
    try:
        spark.sql(f"create database if not exists {LEDGER_SCHEMA}")
        ledger = f"{LEDGER_SCHEMA}.{LEDGER_TABLE}"
        history = []
        if spark.catalog.tableExists(ledger):
            history = [row.asDict() for row in spark.table(ledger).collect()]
        entries = plan(raw_dir, sources, history)
        for source in sources:
            rows = [line for entry in entries if entry.source_system == source
                    for line in entry_lines(entry)]
            spark.sql(f"create database if not exists {source}")
            frame = spark.createDataFrame(rows, schema=lines_schema)
            frame.coalesce(1).write.mode("append").format("parquet").saveAsTable(f"{source}.{TABLE}")
            counts[source] = len(rows)
        # the ledger last: a run that dies before this lands its files again, never half
        spark.createDataFrame([entry.row() for entry in entries], schema=ledger_schema).coalesce(1).write.mode(
            "append").format("parquet").saveAsTable(ledger)
    finally:
        spark.stop()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("postgres", "spark"), required=True)
    parser.add_argument(
        "--raw-dir", default=os.environ.get("AI_FINOPS_RAW_DIR", "landing"),
        help="landing folder (default: env AI_FINOPS_RAW_DIR, else landing/)",
    )
    parser.add_argument(
        "--source", action="append", choices=SOURCES,
        help="a source to load (repeatable; default: all)",
    )
    args = parser.parse_args(argv)
    sources = tuple(args.source or SOURCES)
    unread = landing_files(args.raw_dir, "litellm_spend_logs")
    if unread:
        print(f"{args.engine}: {args.raw_dir}/litellm_spend_logs/ holds {len(unread)} file(s) "
              "(LiteLLM_SpendLogs exports); this engine does not read them yet: build them on "
              "DuckDB (the default target), or move them out of the landing folder.",
              file=sys.stderr)
        return 2
    load = load_postgres if args.engine == "postgres" else load_spark
    counts = load(args.raw_dir, sources)
    for source, count in counts.items():
        print(f"{args.engine}: {source}.{TABLE} <- {count} new lines from {args.raw_dir}/{source}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
