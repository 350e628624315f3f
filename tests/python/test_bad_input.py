"""The bad-input catalogue through one real dbt build: nothing lost, nothing leaked.

Every class of ``fixtures/bad_input/catalogue.py`` lands in its own file of one landing folder,
next to generated LiteLLM traffic (which plants API-key hashes and personal data in messages).
One build reads it all; each class is then asserted on its own: every line of its file(s) is a
billed request, a counted duplicate or quarantined with the expected reason, nothing else, and
the file's line accounting balances.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from conftest import query, run_dbt

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "bad_input"))
from catalogue import MAX_LINE_BYTES, SUBDIR, BadInput, catalogue, write_landing
from test_sample_build import _personal_data_hits

CLASSES = catalogue()


@pytest.fixture(scope="module")
def bad_build(tmp_path_factory) -> SimpleNamespace:
    """Generated traffic plus every bad-input class, built once."""
    from ai_finops import generate

    work = tmp_path_factory.mktemp("bad_input")
    raw = work / "raw"
    manifest = generate.generate(raw, requests=400, days=2, start="2026-09-29", seed=11)
    write_landing(raw)
    db = work / "warehouse.duckdb"
    run_dbt(["build", "--exclude", "resource_type:unit_test",
             "--vars", json.dumps({"max_line_bytes": MAX_LINE_BYTES})],
            raw_dir=raw, db_path=db, work_dir=work)
    # what became of every line: a quarantine reason, "request" (the delivery that was kept
    # and billed) or "duplicate" (a valid line whose request was delivered before)
    rows = query(db, """
        select
            regexp_extract(l.source_file, '[^/]+$'),
            l.line_number,
            case
                when l.quarantine_reason is not null then l.quarantine_reason
                when f.source_file = l.source_file and f.source_line_number = l.line_number
                    then 'request'
                else 'duplicate'
            end
        from stg_litellm__log_lines as l
        left join fct_llm_requests as f on l.request_id = f.request_id
        where l.source_file like ?
    """, [f"%/{SUBDIR.as_posix()}/%"])
    outcomes = {(name, number): outcome for name, number, outcome in rows}
    return SimpleNamespace(raw=raw, db=db, manifest=manifest, outcomes=outcomes)


def _accounting(db: Path, name: str) -> tuple | None:
    rows = query(db, """select lines_read, requests, duplicate_lines, quarantined_lines
                        from rpt_landing_line_accounting
                        where regexp_extract(source_file, '[^/]+$') = ?""", [name])
    return rows[0] if rows else None


@pytest.mark.parametrize("bad", CLASSES, ids=[b.name for b in CLASSES])
def test_every_line_of_the_class_ends_where_it_should(bad_build, bad: BadInput) -> None:
    got = {k: v for k, v in bad_build.outcomes.items() if k[0] in bad.files}
    assert got == bad.outcomes, bad.description
    # the line accounting of each file balances and counts exactly the lines planted
    for name in bad.files:
        planted = [v for (f, _), v in bad.outcomes.items() if f == name]
        accounting = _accounting(bad_build.db, name)
        if not planted:  # an empty file: nothing to account for, and the build did not fail
            assert accounting is None or accounting == (0, 0, 0, 0)
            continue
        lines_read, requests, duplicates, quarantined = accounting
        assert lines_read == len(planted) == requests + duplicates + quarantined
        assert requests == planted.count("request")
        assert duplicates == planted.count("duplicate")


@pytest.mark.parametrize(
    "bad", [b for b in CLASSES if b.extra], ids=[b.name for b in CLASSES if b.extra])
def test_what_the_class_keeps(bad_build, bad: BadInput) -> None:
    """Class-specific outcomes: unpriced but kept, converted times, context kept verbatim,
    conflicts reported with the columns that differ."""
    db = bad_build.db
    for request_id, status in bad.extra.get("pricing_status", {}).items():
        assert query(db, "select pricing_status, list_cost_usd from fct_llm_requests "
                         "where request_id = ?", [request_id]) == [(status, None)]
    for request_id, epoch in bad.extra.get("requested_at_epoch", {}).items():
        got = query(db, "select epoch(requested_at) from fct_llm_requests where request_id = ?",
                    [request_id])[0][0]
        assert abs(got - epoch) < 1e-3
    for column in ("tag_feature", "tag_environment", "tag_customer_id"):
        for request_id, value in bad.extra.get(column, {}).items():
            assert query(db, f"select {column} from stg_litellm__requests "
                             "where request_id = ?", [request_id]) == [(value,)]
    if "conflict" in bad.extra:
        request_id, _deliveries, differing = bad.extra["conflict"]
        rows = query(db, """select delivery_count, kept_source_line_number,
                                   conflicting_source_line_number, differing_columns
                            from rpt_request_delivery_conflicts where request_id = ?""",
                     [request_id])
        # line 2 contradicts line 1 (kept, billed once); line 3 is an exact copy: no conflict
        assert rows == [(3, 1, 2, differing)]
        assert query(db, "select count(*), max(delivery_count) from fct_llm_requests "
                         "where request_id = ?", [request_id]) == [(1, 3)]
    if "lines" in bad.extra:
        assert sum(1 for k in bad_build.outcomes if k[0] in bad.files) == bad.extra["lines"]


def test_sql_text_in_ids_is_stored_verbatim_and_never_run(bad_build) -> None:
    from catalogue import QUOTED_END_USER, SQL_CUSTOMER

    assert query(bad_build.db, "select end_user_id, tag_customer_id from stg_litellm__requests "
                               "where request_id = 'sql-1'") == [(QUOTED_END_USER, SQL_CUSTOMER)]
    # the fact carries the customer the attribution chose, verbatim, and was not dropped
    customer = query(bad_build.db, "select customer_id from fct_llm_requests "
                                   "where request_id = 'sql-1'")
    assert customer in ([(SQL_CUSTOMER,)], [(QUOTED_END_USER,)])


def test_generated_traffic_is_accounted_for_beside_the_bad_input(bad_build) -> None:
    manifest = bad_build.manifest
    lines_read, requests, duplicates, quarantined = query(bad_build.db, """
        select sum(lines_read), sum(requests), sum(duplicate_lines), sum(quarantined_lines)
        from rpt_landing_line_accounting where source_file not like ?
    """, [f"%/{SUBDIR.as_posix()}/%"])[0]
    assert (lines_read, requests, duplicates, quarantined) == (
        manifest["lines_written"], manifest["unique_requests"], manifest["duplicate_lines"], 0)
    # and across all files: every line read is a request, a duplicate or quarantined
    assert query(bad_build.db, """
        select count(*) from rpt_landing_line_accounting
        where source_system = 'litellm'
          and lines_read != requests + duplicate_lines + quarantined_lines
    """) == [(0,)]


def _mart_relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        """select table_name from information_schema.tables
           where table_name like 'int_%' or table_name like 'fct_%'
              or table_name like 'dim_%' or table_name like 'rpt_%'""").fetchall()]


def test_no_personal_data_or_api_key_hash_leaves_staging(bad_build) -> None:
    """The generator plants API-key hashes (metadata.user_api_key_hash) and personal data in
    messages; neither may appear in any intermediate or mart relation."""
    key_hashes: set[str] = set()
    planted: set[str] = set()
    for path in sorted((bad_build.raw / "litellm").glob("20*/**/*.jsonl")):
        for text in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(text)
            if rec["metadata"].get("user_api_key_hash"):
                key_hashes.add(rec["metadata"]["user_api_key_hash"])
            for message in rec.get("messages") or []:
                planted.update(re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", message["content"]))
                planted.update(re.findall(r"\+1-555-01\d\d", message["content"]))
    assert len(key_hashes) >= 5 and len(planted) >= 20
    with duckdb.connect(str(bad_build.db), read_only=True) as con:
        # the landing-lines view reads some of the bad files through the plugin's fallback reader
        from ai_finops.duckdb_plugin import register_functions

        register_functions(con)
        # positive control: the hashes are in the landing lines staging reads
        assert con.execute("select count(*) from base_litellm__raw_lines where raw_line like ?",
                           [f"%{min(key_hashes)}%"]).fetchone()[0] > 0
        relations = _mart_relations(con)
        assert {"fct_llm_requests", "rpt_request_delivery_conflicts"} <= set(relations)
        for relation in relations:
            assert _personal_data_hits(con, relation, planted) == [], relation
            for (column,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_name = ? and data_type = 'VARCHAR'", [relation]).fetchall():
                leaked = con.execute(
                    f'select count(*) from {relation}, unnest(?::varchar[]) as h(key_hash) '
                    f'where contains("{column}", h.key_hash)', [sorted(key_hashes)]).fetchone()[0]
                assert leaked == 0, (relation, column)
