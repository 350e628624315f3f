"""Landing behaviour through the real build: quarantine, gzip, incremental loads, bad seeds."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from conftest import ROOT, SAMPLE, copy_sample, query, run_dbt, table_hash

BUILD = ["build", "--exclude", "resource_type:unit_test"]


def _sample_records(n: int) -> list[dict]:
    with open(SAMPLE / "litellm" / "litellm-2026-10.jsonl", encoding="utf-8") as f:
        return [json.loads(next(f)) for _ in range(n)]


def _with_new_ids(records: list[dict], prefix: str, shift_days: float = 0) -> list[dict]:
    out = []
    for i, rec in enumerate(records):
        rec = json.loads(json.dumps(rec))
        rec["id"] = f"{prefix}-{i}"
        rec["startTime"] += shift_days * 86400
        rec["endTime"] += shift_days * 86400
        out.append(rec)
    return out


def test_bad_lines_are_quarantined_with_file_line_and_reason(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "litellm" / "2026" / "10").mkdir(parents=True)
    good = _with_new_ids(_sample_records(4), "good")
    bad_no_id = dict(good[0])
    del bad_no_id["id"]
    bad_negative = dict(good[1], id="neg", prompt_tokens=-3)
    lines = [
        json.dumps(good[0]),
        '{"id": "trunc", "model": "gpt-4o", "startT',  # truncated mid-record
        "",  # blank line
        json.dumps(good[1]),
        json.dumps(bad_no_id),
        json.dumps(dict(good[2], startTime="not a time")),
        json.dumps(bad_negative),
        json.dumps(good[1]),  # re-delivery of a record already seen
    ]
    (raw / "litellm" / "2026" / "10" / "mixed.jsonl").write_text("\n".join(lines) + "\n")
    # a gzip-compressed file in another folder is read too
    with gzip.open(raw / "litellm" / "2026" / "good.jsonl.gz", "wt") as f:
        f.write(json.dumps(good[3]) + "\n")

    db = tmp_path / "wh.duckdb"
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)

    quarantined = query(
        db,
        """select regexp_extract(source_file, '[^/]+$'), line_number, quarantine_reason
           from stg_litellm__lines_quarantined order by 1, 2""",
    )
    assert quarantined == [
        ("mixed.jsonl", 2, "invalid_json"),
        ("mixed.jsonl", 3, "blank_line"),
        ("mixed.jsonl", 5, "missing_id"),
        ("mixed.jsonl", 6, "unparseable_time"),
        ("mixed.jsonl", 7, "negative_tokens"),
    ]
    raw_text = query(db, "select raw_line from stg_litellm__lines_quarantined where line_number = 2")
    assert raw_text == [(lines[1],)]

    accounting = query(
        db,
        """select regexp_extract(source_file, '[^/]+$'), lines_read, requests, duplicate_lines,
                  quarantined_lines
           from rpt_landing_line_accounting order by 1""",
    )
    assert accounting == [("good.jsonl.gz", 1, 1, 0, 0), ("mixed.jsonl", 8, 2, 1, 5)]
    ids = {r[0] for r in query(db, "select request_id from fct_llm_requests")}
    assert ids == {"good-0", "good-1", "good-3"}


def test_rebuild_is_idempotent_and_a_new_file_adds_only_its_requests(tmp_path: Path) -> None:
    raw = copy_sample(tmp_path / "raw")
    db = tmp_path / "wh.duckdb"
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)
    first = table_hash(db, "fct_llm_requests")
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)
    assert table_hash(db, "fct_llm_requests") == first, "a second build changed the fact"

    before = {r[0]: r for r in query(db, "select * from fct_llm_requests")}
    # a late file: its requests are 40 days older than the newest request already loaded, far
    # outside the lookback window, and one line re-delivers a request from the sample
    late = _with_new_ids(_sample_records(5), "late", shift_days=-40)
    late_lines = [json.dumps(r) for r in late] + [json.dumps(_sample_records(1)[0])]
    (raw / "litellm" / "late-delivery.jsonl").write_text("\n".join(late_lines) + "\n")
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)

    after = {r[0]: r for r in query(db, "select * from fct_llm_requests")}
    assert set(after) - set(before) == {f"late-{i}" for i in range(5)}
    unchanged = [k for k in before if after[k] == before[k]]
    # every earlier row is untouched except the re-delivered one, whose delivery_count rose
    redelivered = _sample_records(1)[0]["id"]
    assert set(before) - set(unchanged) == {redelivered}
    columns = [r[0] for r in query(db, "select column_name from information_schema.columns "
                                       "where table_name = 'fct_llm_requests' order by ordinal_position")]
    assert after[redelivered][columns.index("delivery_count")] == \
        before[redelivered][columns.index("delivery_count")] + 1


def _project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(
        ROOT,
        project,
        ignore=shutil.ignore_patterns(".venv", "target", "logs", "warehouse", ".git", "data",
                                      "__pycache__", ".pytest_cache", ".ruff_cache"),
    )
    return project


def test_overlapping_price_windows_fail_the_build_naming_the_rows(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    seed = project / "seeds" / "model_prices.csv"
    rows = seed.read_text().splitlines()
    gpt4o = next(i for i, r in enumerate(rows) if r.startswith("openai,gpt-4o,"))
    # a second, overlapping open window for openai/gpt-4o, appended as the last line
    rows.append(rows[gpt4o].replace("2025-01-01,", "2026-06-01,", 1))
    seed.write_text("\n".join(rows) + "\n")

    proc = run_dbt(["seed"], raw_dir=SAMPLE, db_path=tmp_path / "wh.duckdb",
                   project_dir=project, work_dir=tmp_path, check=False)
    assert proc.returncode != 0
    out = proc.stdout
    assert "seeds/model_prices.csv has 1 bad row(s)" in out
    assert f"line {gpt4o + 1}: prices for openai/gpt-4o overlap" in out
    assert f"(line {len(rows)})" in out
    assert "Fix: close the earlier window" in out


def test_generated_logs_reconcile_to_the_generator_manifest(tmp_path: Path) -> None:
    from ai_finops import generate

    raw = tmp_path / "raw"
    manifest = generate.generate(
        raw, requests=6000, days=3, start="2026-09-29", seed=7, files_per_day=2,
        use_gzip=True, duplicate_rate=0.01, malformed=8,
    )
    db = tmp_path / "wh.duckdb"
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)

    lines_read, requests, duplicates, quarantined = query(
        db,
        """select sum(lines_read), sum(requests), sum(duplicate_lines), sum(quarantined_lines)
           from rpt_landing_line_accounting""",
    )[0]
    assert lines_read == manifest["lines_written"]
    assert requests == manifest["unique_requests"]
    assert duplicates == manifest["duplicate_lines"]
    assert quarantined == manifest["malformed_lines"] == 8

    list_cost, gateway_cost = query(
        db, "select sum(list_cost_usd)::double, sum(gateway_cost_usd)::double from fct_llm_requests"
    )[0]
    assert abs(gateway_cost - manifest["total_response_cost"]) < 1e-6
    assert abs(list_cost - gateway_cost) <= 0.001 * gateway_cost
    worst = query(db, "select max(abs(variance_ratio)) from rpt_llm_cost_list_vs_gateway")[0][0]
    assert worst <= 0.001
