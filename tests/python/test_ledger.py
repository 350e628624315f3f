"""The landing ledger: every file landed once, only what is new read, nothing lost or re-billed.

Each case builds the real project on a landing folder of its own and checks what a platform
team would: the S3 logger's one-object-per-request layout accounted line for line, a daily run
that reads only the new file and the new tail of a grown one, a file that shrank or was
rewritten reported with nothing lost, a deleted file that keeps its requests, "first delivery"
meaning first landed (whatever the replay's name), --full-refresh after the landing files were
purged, `make rebuild-facts` refusing when a ledgered file is gone, and a folder the project
cannot read failing the build with a message that names it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import DEMO_CONFIG, ROOT, SAMPLE, copy_sample, query, run_dbt

BUILD = ["build", "--exclude", "resource_type:unit_test"]
SHAPES = Path(__file__).parent / "fixtures" / "litellm_real_shapes"
DAY = 86400


def _age(path: Path, seconds_ago: int) -> None:
    """Give a landing file an older modification time (files are found in the order written)."""
    when = path.stat().st_mtime - seconds_ago
    os.utime(path, (when, when))


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


def test_s3_logger_objects_are_accounted_line_for_line(tmp_path: Path) -> None:
    """The S3 logger's default layout: one object per request in dated folders, no trailing
    newline. Re-delivered objects are counted once, an object that is not JSON is quarantined
    with its file name, and list cost matches LiteLLM's own response_cost per model."""
    raw = tmp_path / "raw"
    logs = raw / "litellm" / "litellm-logs"
    shutil.copytree(SHAPES / "s3_logger" / "litellm-logs", logs)
    originals = sorted(logs.rglob("*.json"))
    for path in originals:
        _age(path, 3 * DAY)
    # the uploader retried: the same object under a new name, in the folder LiteLLM names by
    # the request's start date (a folder of another date would quarantine it as a clock error)
    for path in originals[:3]:
        shutil.copy(path, path.parent / f"retry-{path.name}")
    redelivered = logs / "2026-11-02"
    redelivered.mkdir()
    broken = redelivered / "time-00-00-01-000000_broken.json"
    broken.write_text('{"id": "chatcmpl-broken", "model": ')  # cut off mid-upload

    db = tmp_path / "wh.duckdb"
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)

    truth = json.loads((SHAPES / "s3_logger" / "truth.json").read_text())
    assert query(db, "select count(*) from fct_llm_requests") == [(truth["records"],)]
    ours = {(p, m): c for p, m, c in query(
        db, "select provider, model, sum(list_cost_usd) from fct_llm_requests group by 1, 2")}
    for provider, models in truth["by_provider_model"].items():
        for model, expected in models.items():
            cost = ours[(provider, model)]
            assert abs(cost - Decimal(str(expected["cost"]))) <= Decimal(str(expected["cost"])) * \
                Decimal("0.001"), (provider, model, cost, expected["cost"])

    files = len(originals) + 4
    assert query(db, "select count(*), min(layout), max(layout), min(outcome), max(outcome) "
                     "from stg_landing__ledger") == [(files, "object", "object", "loaded", "loaded")]
    assert query(db, "select sum(lines_read), sum(requests), sum(duplicate_lines), "
                     "sum(quarantined_lines) from rpt_landing_line_accounting") == \
        [(files, truth["records"], 3, 1)]
    assert query(db, "select source_file, line_number, quarantine_reason "
                     "from stg_litellm__lines_quarantined") == [(str(broken), 1, "invalid_json")]


def test_a_daily_run_reads_only_what_is_new(tmp_path: Path) -> None:
    """Day 2 brings a new file and a line appended to a file loaded on day 1 (its request is a
    month older than anything else: no look-back window decides whether it counts). The second
    build reads those lines and nothing else; history is not parsed again."""
    raw = copy_sample(tmp_path / "raw")
    db = tmp_path / "wh.duckdb"
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)
    before = query(db, "select count(*) from stg_litellm__log_lines")[0][0]
    requests_before = query(db, "select count(*) from fct_llm_requests")[0][0]

    september = _records(SAMPLE / "litellm" / "litellm-2026-09.jsonl")
    new_day = [dict(r, id=f"day2-{i}") for i, r in enumerate(september[:3])]
    # (copies of September records: a folder named by a date would quarantine them as far
    # from their file's date)
    _write_jsonl(raw / "litellm" / "day2" / "day2.jsonl", new_day)
    appended = dict(september[0], id="appended-late", startTime=september[0]["startTime"] - 20 * DAY)
    with (raw / "litellm" / "litellm-2026-10.jsonl").open("a") as f:
        f.write(json.dumps(appended) + "\n")
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)

    # the reader of this build held the new lines only: 3 of the new file, 1 appended
    assert query(db, "select source_file, count(*) from base_litellm__raw_lines group by 1 "
                     "order by 1") == [
        (f"{raw}/litellm/day2/day2.jsonl", 3),
        (f"{raw}/litellm/litellm-2026-10.jsonl", 1),
    ]
    assert query(db, "select count(*) from stg_litellm__log_lines")[0][0] == before + 4
    assert query(db, "select count(*) from fct_llm_requests")[0][0] == requests_before + 4
    october_lines = len((raw / "litellm" / "litellm-2026-10.jsonl").read_text().splitlines())
    assert query(db, "select line_number, ledger_seq > 2 from stg_litellm__log_lines "
                     "where request_id = 'appended-late'") == [(october_lines, True)]
    assert query(db, "select outcome from stg_landing__ledger where source_file like "
                     "'%litellm-2026-10.jsonl' order by ledger_seq") == [("loaded",), ("appended",)]
    # the appended line continues the file's numbering: every line accounted for once
    assert query(db, "select lines_read from rpt_landing_line_accounting where source_file like "
                     "'%litellm-2026-10.jsonl'") == [(october_lines,)]


def test_shrunk_rewritten_and_deleted_files_lose_nothing(tmp_path: Path) -> None:
    raw = copy_sample(tmp_path / "raw", sources=("litellm", "otel"))
    db = tmp_path / "wh.duckdb"
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)
    totals = "select source_system, count(*), sum(list_cost_usd) from fct_llm_requests group by 1 order by 1"
    before = query(db, totals)

    september = raw / "litellm" / "litellm-2026-09.jsonl"
    lines = september.read_text().splitlines(keepends=True)
    september.write_text("".join(lines[: len(lines) // 2]))  # truncated by a log rotation
    october = raw / "litellm" / "litellm-2026-10.jsonl"
    text = october.read_text()
    october.write_text(text.replace('"id": "', '"id": "x', 1) + text.splitlines(keepends=True)[0])
    (raw / "otel" / "otel-traces.jsonl").unlink()  # purged by retention
    proc = run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)

    assert query(db, totals) == before
    assert sorted(query(db, "select regexp_replace(source_file, '^.*/', ''), latest_outcome, "
                            "needs_attention from rpt_landing_files")) == [
        ("litellm-2026-09.jsonl", "shrunk", True),
        ("litellm-2026-10.jsonl", "rewritten", True),
        ("otel-traces.jsonl", "loaded", False),
    ]
    assert "WARN 2 assert_landing_files_need_no_attention" in proc.stdout


def test_first_delivery_means_first_landed_whatever_the_name(tmp_path: Path) -> None:
    """A replay named to sort before the original, carrying 10x the tokens, lands after it:
    the original is billed and the replay is the reported conflict, whether the replay lands in
    a later build or in the same build as the original."""
    originals = _records(SAMPLE / "litellm" / "litellm-2026-09.jsonl")[:5]
    replay = [dict(r, prompt_tokens=10 * r["prompt_tokens"]) for r in originals]
    ids = [r["id"] for r in originals]
    checks = ("select sum(input_tokens + cache_read_tokens + cache_write_tokens) "
              f"from fct_llm_requests where request_id in ({', '.join(repr(i) for i in ids)})")
    expected = sum(r["prompt_tokens"] for r in originals)

    for later_build in (True, False):
        work = tmp_path / ("later" if later_build else "same")
        raw = work / "raw"
        original = _write_jsonl(raw / "litellm" / "z-original.jsonl", originals)
        _age(original, DAY)
        db = work / "wh.duckdb"
        if later_build:
            run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=work)
        _write_jsonl(raw / "litellm" / "a-replay.jsonl", replay)
        run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=work)
        assert query(db, checks) == [(expected,)]
        conflicts = query(db, "select distinct regexp_replace(conflicting_source_file, '^.*/', ''), "
                              "regexp_replace(kept_source_file, '^.*/', '') "
                              "from rpt_request_delivery_conflicts")
        assert conflicts == [("a-replay.jsonl", "z-original.jsonl")]


@pytest.mark.parametrize("files", [
    {"export.csv": "request_id,spend\nr1,0.1\n", "notes.txt": "hello"},
    {"2026-10-01/obj-1.json": "[1, 2]", "2026-10-01/obj-2.json": "not json"},
], ids=["no-readable-layout", "nothing-readable-in-it"])
def test_a_folder_the_project_cannot_read_fails_the_build(tmp_path: Path, files: dict) -> None:
    raw = tmp_path / "raw"
    for name, content in files.items():
        path = raw / "litellm" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    proc = run_dbt(BUILD, raw_dir=raw, db_path=tmp_path / "wh.duckdb", work_dir=tmp_path,
                   check=False)
    assert proc.returncode != 0
    message = " ".join(proc.stdout.split())
    assert f"The landing folder {raw}/litellm holds {len(files)} file(s)" in message
    assert "The project reads .json, .jsonl, .jsonl.gz files there" in message
    for name in files:
        assert name.split("/")[-1] in message


def test_full_refresh_after_the_files_were_purged_keeps_history(tmp_path: Path) -> None:
    raw = copy_sample(tmp_path / "raw", sources=("litellm", "otel"))
    db = tmp_path / "wh.duckdb"
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)
    books = ("select booked_month, entry_type, sum(requests), sum(cost_usd) from rpt_pnl_monthly "
             "group by 1, 2 order by 1, 2")
    before = query(db, books)
    facts = query(db, "select count(*), sum(list_cost_usd) from fct_llm_requests")
    shutil.rmtree(raw / "litellm")  # retention purged the landing files

    run_dbt([*BUILD, "--full-refresh"], raw_dir=raw, db_path=db, work_dir=tmp_path)
    assert query(db, books) == before
    assert query(db, "select count(*), sum(list_cost_usd) from fct_llm_requests") == facts

    # rebuilding the facts from the files refuses: it would drop the purged files' requests
    proc = subprocess.run(
        [sys.executable, "-m", "ai_finops.rebuild_facts", "--dry-run"],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "AI_FINOPS_RAW_DIR": str(raw), "AI_FINOPS_DUCKDB_PATH": str(db)},
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "litellm-2026-09.jsonl" in proc.stderr and "refusing" in proc.stderr


def _landing_days(raw: Path) -> list[list[tuple[Path, str, float]]]:
    """The bundled sample as a gateway writes it day by day: one LiteLLM file per day (the
    sample's re-deliveries stay in their day), modified at the end of that day, grouped into 30
    daily arrivals; the OpenTelemetry file arrives first. At arrival 15 the uploader re-delivers
    the first day's file under another name. Returns, per arrival, (path, content, mtime)."""
    by_day: dict[str, list[str]] = {}
    for name in ("litellm-2026-09.jsonl", "litellm-2026-10.jsonl"):
        for line in (SAMPLE / "litellm" / name).read_text().splitlines():
            start = json.loads(line)["startTime"]
            by_day.setdefault(str(int(start // DAY)), []).append(line)
    days = sorted(by_day, key=int)
    arrivals: list[list[tuple[Path, str, float]]] = [[] for _ in range(30)]
    for i, day in enumerate(days):
        when = (int(day) + 1) * DAY - 3600.0
        arrivals[i * 30 // len(days)].append(
            (raw / "litellm" / f"day-{day}.jsonl", "\n".join(by_day[day]) + "\n", when))
    first_when = arrivals[0][0][2]
    arrivals[0].insert(0, (raw / "otel" / "otel-traces.jsonl",
                           (SAMPLE / "otel" / "otel-traces.jsonl").read_text(), first_when - 60))
    first_path, first_text, _ = arrivals[0][1]
    redelivery_when = max(when for _, _, when in arrivals[14]) + 60
    arrivals[14].append((raw / "litellm" / "redelivered" / first_path.name, first_text,
                         redelivery_when))
    return arrivals


def _land(files: list[tuple[Path, str, float]]) -> None:
    for path, text, when in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, (when, when))


def _all_marts(db: Path, raw: Path) -> dict[str, list]:
    """Every fct_/rpt_ relation, row for row, landing paths made relative; the times a build
    ran (landed_at and the like) and the build that valued a row (valuation_seq) aside."""
    build_times = {"recorded_at", "first_landed_at", "last_landed_at", "valuation_seq"}
    prefix = str(raw) + "/"
    marts = {}
    relations = [r for (r,) in query(db, "select table_name from information_schema.tables where "
                                         "regexp_matches(table_name, '^(fct|rpt)_') order by 1")]
    for relation in relations:
        columns = [c for (c,) in query(db, "select column_name from information_schema.columns "
                                           f"where table_name = '{relation}' "
                                           "order by ordinal_position") if c not in build_times]
        rows = query(db, f"select {', '.join(columns)} from {relation}")
        marts[relation] = sorted(
            (tuple(v.replace(prefix, "") if isinstance(v, str) else v for v in row)
             for row in rows), key=repr)
    return marts


def test_history_independence_one_run_or_thirty_daily_runs(tmp_path: Path) -> None:
    """The same files built in one run, or day by day in 30 runs with a re-delivered file in
    between, give identical marts, every relation row for row (every month open, so that no
    close happens part-way: a close is the one thing that freezes a month at a moment)."""
    from conftest import project_copy

    project = project_copy(tmp_path / "project")
    (project / DEMO_CONFIG / "closed_periods.csv").write_text("closed_month,closed_on,closed_by,note\n")

    one_raw = tmp_path / "one" / "raw"
    arrivals = _landing_days(one_raw)
    _land([f for arrival in arrivals for f in arrival])
    one_db = tmp_path / "one" / "wh.duckdb"
    run_dbt(BUILD, raw_dir=one_raw, db_path=one_db, project_dir=project, work_dir=tmp_path / "one")

    daily_raw = tmp_path / "daily" / "raw"
    daily_db = tmp_path / "daily" / "wh.duckdb"
    for i, arrival in enumerate(_landing_days(daily_raw)):
        _land(arrival)
        # the first run loads the seeds too; later runs are what a scheduler runs each day
        command = ["build", "--exclude", "resource_type:test", "resource_type:unit_test"] \
            if i == 0 else ["run"]
        run_dbt(command, raw_dir=daily_raw, db_path=daily_db, project_dir=project,
                work_dir=tmp_path / "daily")

    one, daily = _all_marts(one_db, one_raw), _all_marts(daily_db, daily_raw)
    assert set(one) == set(daily) and len(one) >= 12
    for relation in one:
        assert daily[relation] == one[relation], relation
    # and the re-delivered file billed nothing twice
    assert query(daily_db, "select sum(duplicate_lines) from rpt_landing_line_accounting where "
                           "source_file like '%/redelivered/%'")[0][0] > 0
