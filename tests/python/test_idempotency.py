"""Idempotency and faults: whatever happens to a build, the marts come out the same.

The reference is the session build of the bundled sample (conftest's ``sample_build``). Against
it, by content hash of every mart (every relation named fct_*, rpt_* or dim_*):
- building again on the same warehouse changes nothing;
- a build killed right after staging was written, then run again, gives the same marts;
- the same file delivered again under another name bills nothing twice: every mart is the same
  except the bookkeeping of deliveries (``delivery_count`` and the new file's accounting row,
  which shows every one of its lines as a duplicate).
Landing paths differ between scenarios, so paths are compared relative to the landing folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import DBT, DEMO_CONFIG, ROOT, copy_sample, run_dbt

BUILD = ["build", "--exclude", "resource_type:unit_test"]
# Audit columns that hold the time a build recorded something (rpt_chargeback_monthly's
# recorded_at: when a closed month's charge was frozen; rpt_landing_files' landing times and the
# copied files' modification times): a fresh warehouse or landing folder records a new time.
# (valuation_seq numbers the builds that valued a request: a build-time audit column too)
BUILD_TIME_COLUMNS = {"recorded_at", "first_landed_at", "last_landed_at", "modified_at",
                      "valuation_seq"}
# Columns that count deliveries: a re-delivered file raises them and nothing else
# (last_ledger_seq: the request's latest delivery).
DELIVERY_BOOKKEEPING = {"delivery_count", "last_ledger_seq"}


def mart_hashes(db: Path, raw: Path, exclude_columns: set[str] = frozenset()) -> dict[str, str]:
    """Content hash of every fct_/rpt_/dim_ relation, row order, landing folder and build-time
    audit columns aside."""
    exclude_columns = set(exclude_columns) | BUILD_TIME_COLUMNS
    prefix = str(raw).rstrip("/") + "/"
    hashes = {}
    with duckdb.connect(str(db), read_only=True) as con:
        relations = [r[0] for r in con.execute(
            """select table_name from information_schema.tables
               where table_schema = 'main' and (table_name like 'fct\\_%' escape '\\'
                  or table_name like 'rpt\\_%' escape '\\' or table_name like 'dim\\_%' escape '\\')
               order by 1""").fetchall()]
        for relation in relations:
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_name = ? "
                "order by ordinal_position", [relation]).fetchall() if c not in exclude_columns]
            rows = con.execute(
                f"select {', '.join(chr(34) + c + chr(34) for c in columns)} from {relation}"
            ).fetchall()
            digest = hashlib.sha256(",".join(columns).encode())
            for row in sorted(repr(tuple(v.replace(prefix, "<landing>/") if isinstance(v, str)
                                         else v for v in r)) for r in rows):
                digest.update(row.encode())
            hashes[relation] = digest.hexdigest()
    return hashes


@pytest.fixture(scope="module")
def reference(sample_build: Path) -> dict:
    raw = sample_build.parent / "raw"
    return {"db": sample_build, "raw": raw, "hashes": mart_hashes(sample_build, raw),
            "bookkeeping_free": mart_hashes(sample_build, raw, DELIVERY_BOOKKEEPING)}


def test_the_reference_has_marts_to_compare(reference) -> None:
    assert {"fct_llm_requests", "rpt_landing_line_accounting",
            "rpt_request_delivery_conflicts"} <= set(reference["hashes"])


def test_building_twice_changes_no_mart(reference, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(reference["db"], db)
    run_dbt(BUILD, raw_dir=reference["raw"], db_path=db, work_dir=tmp_path)
    assert mart_hashes(db, reference["raw"]) == reference["hashes"]


def test_a_build_killed_midway_then_rerun_gives_the_same_marts(reference, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    env = {**os.environ, "AI_FINOPS_RAW_DIR": str(reference["raw"]),
           "AI_FINOPS_DUCKDB_PATH": str(db), "AI_FINOPS_CONFIG_DIR": DEMO_CONFIG,
           "DBT_PROFILES_DIR": str(ROOT),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false"}
    proc = subprocess.Popen(
        [DBT, *BUILD, "--project-dir", str(ROOT), "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    seen = []
    try:
        for text in proc.stdout:
            seen.append(text)
            if "OK created sql incremental model main.stg_litellm__log_lines" in text:
                os.killpg(proc.pid, signal.SIGKILL)  # a crash, not a clean shutdown
                break
    finally:
        proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, "".join(seen[-20:])
    assert not any("fct_llm_requests" in line and "OK created" in line for line in seen)

    run_dbt(BUILD, raw_dir=reference["raw"], db_path=db, work_dir=tmp_path)
    assert mart_hashes(db, reference["raw"]) == reference["hashes"]


def test_the_same_file_delivered_again_under_another_name_bills_nothing_twice(
        reference, tmp_path: Path) -> None:
    raw = copy_sample(tmp_path / "raw", sources=("litellm", "otel"))  # as the reference
    db = tmp_path / "warehouse.duckdb"
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)
    assert mart_hashes(db, raw) == reference["hashes"]

    # the October file lands again, renamed, after the first delivery was loaded (incremental)
    again = raw / "litellm" / "redelivered" / "litellm-2026-10.copy.jsonl"
    again.parent.mkdir()
    shutil.copy(raw / "litellm" / "litellm-2026-10.jsonl", again)
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)

    after = mart_hashes(db, raw, DELIVERY_BOOKKEEPING)
    expected = dict(reference["bookkeeping_free"])
    # the accounting and the file list gain the new file's row; every other mart is as before
    ledgered = {"rpt_landing_line_accounting", "rpt_landing_files"}
    assert {k: v for k, v in after.items() if k not in ledgered} == \
        {k: v for k, v in expected.items() if k not in ledgered}
    accounting = "select regexp_replace(source_file, '^.*/raw/', ''), * exclude (source_file) " \
                 "from rpt_landing_line_accounting where source_file not like '%/redelivered/%' " \
                 "order by 1"
    with duckdb.connect(str(reference["db"]), read_only=True) as con:
        accounting_before = con.execute(accounting).fetchall()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(accounting).fetchall() == accounting_before
        lines = len(again.read_text(encoding="utf-8").splitlines())
        assert con.execute(
            "select lines_read, requests, duplicate_lines, quarantined_lines "
            "from rpt_landing_line_accounting where source_file = ?", [str(again)]
        ).fetchall() == [(lines, 0, lines, 0)]
        # and the requests of the re-delivered file now say they were delivered more often
        assert con.execute(
            "select min(delivery_count) from fct_llm_requests where source_file like ?",
            ["%litellm-2026-10.jsonl"]).fetchone()[0] >= 2
        assert con.execute("select count(*) from rpt_request_delivery_conflicts").fetchone() \
            == (0,)
