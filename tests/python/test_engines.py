"""The same project on PostgreSQL and Spark: every mart total and every line's fate equal DuckDB's.

For each engine the test loads a landing folder's raw lines (``ai_finops.load_raw``), builds the
project on it with ``--target <engine>``, builds the same folder on DuckDB, and compares with
``ai_finops.compare_engines``: the row count and the sum of every numeric column of every mart,
and what each landing line and span became in staging, field by field. Two landing folders:
the bundled sample, and one of bad input (the LiteLLM bad-input catalogue plus generated
traffic, and OpenTelemetry lines that are malformed in every way the parser must survive).

These tests need a running engine and run only when asked, with the engine named in
``AI_FINOPS_TEST_ENGINES`` (``make test-postgres`` / ``make test-spark`` start the engine and
set it); otherwise they are skipped. Asked for and unreachable, they fail. dbt unit tests are
not run on the extra engines: their expected decimals are compared as text, and dbt on
PostgreSQL and Spark renders them at the column's scale (2.8 vs 2.800000000000); they test
logic, which DuckDB's build checks.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DBT, ROOT, SAMPLE, copy_sample, run_dbt

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "bad_input"))

ENGINES = ("postgres", "spark")
REQUESTED = {e.strip() for e in os.environ.get("AI_FINOPS_TEST_ENGINES", "").split(",") if e.strip()}
PY = sys.executable


def _engine_param(engine: str):
    return pytest.param(
        engine,
        marks=pytest.mark.skipif(
            engine not in REQUESTED,
            reason=f"{engine} not requested (AI_FINOPS_TEST_ENGINES; make test-{engine} runs it)",
        ),
        id=engine,
    )


ENGINE_PARAMS = [_engine_param(e) for e in ENGINES]


def _run(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        cmd, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd[:4])} failed ({proc.returncode}):\n{proc.stdout[-8000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


def _check_engine(engine: str) -> None:
    """Fail (not skip) when a requested engine's adapter is missing: the make target installs it."""
    version = subprocess.run([DBT, "--version"], capture_output=True, text=True, check=False)
    assert f"{engine}:" in version.stdout, (
        f"dbt-{engine} is not installed in this environment: run make test-{engine}"
    )


# Spark: dbt-spark's session method runs every statement through one local SparkSession, and on
# tiny tables a statement's time is Spark's planning and scheduling, not work: two dbt threads
# keep both cores busy (the profile says 1, the safe default for a shared cluster).
ENGINE_BUILD_ARGS = {"spark": ["--threads", "2"]}


def build_and_compare(
    engine: str, raw: Path, work: Path, dbt_vars: dict | None = None, *, data_tests: bool = True
) -> str:
    """Load and build `raw` on `engine` and on DuckDB; return compare_engines' report.

    data_tests=False builds the engine without dbt's data tests. The DuckDB build of the same
    folder runs all of them, and the comparison then requires the engine's marts and staged
    lines to equal DuckDB's; so the engine's own run of the tests adds time, not coverage.
    """
    _check_engine(engine)
    vars_args = ["--vars", json.dumps(dbt_vars)] if dbt_vars else []
    test_args = [] if data_tests else ["--exclude", "resource_type:test"]
    duckdb_path = work / "duckdb.duckdb"
    run_dbt(["build", "--exclude", "resource_type:unit_test", *vars_args],
            raw_dir=raw, db_path=duckdb_path, work_dir=work / "duckdb")
    _run([PY, "-m", "ai_finops.load_raw", "--engine", engine, "--raw-dir", str(raw)])
    # --full-refresh: the engine's warehouse outlives the test (a server, a metastore)
    run_dbt(["build", "--exclude", "resource_type:unit_test", *test_args, "--full-refresh",
             "--target", engine, *ENGINE_BUILD_ARGS.get(engine, []), *vars_args],
            raw_dir=raw, db_path=duckdb_path, work_dir=work / engine)
    proc = subprocess.run(
        [PY, "-m", "ai_finops.compare_engines", "--left", "duckdb", "--right", engine, "--lines"],
        cwd=ROOT, env={**os.environ, "AI_FINOPS_DUCKDB_PATH": str(duckdb_path)},
        capture_output=True, text=True, check=False,
    )
    report = proc.stdout + proc.stderr
    print(report)
    assert proc.returncode == 0, report
    return report


def _drop_engine_state(engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The facts of record (the loader's ledger and raw lines, the parsed lines) and the closed
    books outlive --full-refresh by design: start each landing folder's build from nothing.

    PostgreSQL: drop the schema. Spark: a new, empty Spark home (Derby metastore and parquet
    warehouse) below the test's tmp_path, for the loader, dbt and the comparison alike: no
    session is needed to drop the old one (a Spark session costs tens of seconds to start).
    """
    if engine == "spark":
        monkeypatch.setenv("AI_FINOPS_SPARK_HOME", str(tmp_path / "spark_home"))
        return
    if engine == "postgres":
        import psycopg2

        from ai_finops.load_raw import postgres_settings

        schema = os.environ.get("AI_FINOPS_PG_SCHEMA", "main")
        with psycopg2.connect(**postgres_settings()) as conn, conn.cursor() as cur:
            # the build's schema and the loader's (its ledger and raw lines outlive a build too)
            for name in (schema, "landing", "litellm", "otel"):
                cur.execute(f'drop schema if exists "{name}" cascade')


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_sample_marts_equal_duckdb(
    engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundled sample: every mart total, every line and span equal on the engine and DuckDB.

    The engine build runs dbt's data tests too: their invariants (money conserved to the 1e-12
    dollar, every request charged once) are where an engine's arithmetic shows (Spark's decimal
    scale rules broke the chargeback's sums before spark.sql.decimalOperations.allowPrecisionLoss
    was turned off in profiles.yml)."""
    raw = copy_sample(tmp_path / "raw", sources=("litellm", "otel"))
    _drop_engine_state(engine, tmp_path, monkeypatch)
    report = build_and_compare(engine, raw, tmp_path)
    assert "fct_llm_requests: 450 rows" in report

    # the next day: a new file lands and a line is appended to a file already loaded; the loader
    # lands only those (the line accounting would count a re-landed line twice), the DuckDB
    # build reads only those, and both agree again
    september = (SAMPLE / "litellm" / "litellm-2026-09.jsonl").read_text().splitlines()
    new = [dict(json.loads(line), id=f"engine-day2-{i}") for i, line in enumerate(september[:3])]
    (raw / "litellm" / "day2.jsonl").write_text("\n".join(json.dumps(r) for r in new) + "\n")
    with (raw / "litellm" / "litellm-2026-10.jsonl").open("a") as f:
        f.write(json.dumps(dict(json.loads(september[3]), id="engine-appended")) + "\n")
    report = build_and_compare(engine, raw, tmp_path)
    assert "fct_llm_requests: 454 rows" in report


# OpenTelemetry lines that must be classified the same on every engine: one span per case
# where possible, taken from a real span of the sample and changed.
def _otel_bad_lines() -> list[str]:
    sample = (ROOT / "data" / "sample" / "otel" / "otel-traces.jsonl").read_text().splitlines()
    export = json.loads(sample[0])
    resource = export["resourceSpans"][0]
    chat = next(
        s for ss in resource["scopeSpans"] for s in ss["spans"] if s["name"].startswith("chat")
    )

    def with_span(span: dict, scope: str = "test") -> str:
        rs = {"resource": copy.deepcopy(resource["resource"]),
              "scopeSpans": [{"scope": {"name": scope}, "spans": [span]}]}
        return json.dumps({"resourceSpans": [rs]})

    def changed(span_id: str, attributes: list | None = None, **fields) -> dict:
        span = copy.deepcopy(chat)
        span["spanId"] = span_id
        span.update(fields)
        if attributes is not None:
            span["attributes"] = attributes
        return span

    def attr(key: str, **value) -> dict:
        return {"key": key, "value": value}

    base = [a for a in chat["attributes"] if not a["key"].startswith("gen_ai.usage.")
            and a["key"] != "gen_ai.response.id"]
    return [
        sample[0],                                   # a real export, many spans
        "",                                          # blank
        '{"resourceSpans": [{"resource": {',         # truncated
        "not json at all",
        '[{"resourceSpans": []}]',                   # JSON, not an object
        '{"foo": 1}',                                # an object, not an export
        '{"resourceSpans": []}',                     # an export without spans
        '{"resourceSpans": "nope"}',
        '{"resourceSpans": [{"scopeSpans": [{"spans": [null, 5, {}]}]}]}',
        with_span(changed("aa00000000000001", base + [
            attr("gen_ai.usage.input_tokens", doubleValue=150.0),     # a double: unparseable
            attr("gen_ai.usage.output_tokens", intValue=20),          # intValue as a number
        ])),
        with_span(changed("aa00000000000002", base + [
            attr("gen_ai.usage.input_tokens", intValue="12x"),
            attr("gen_ai.usage.output_tokens", intValue="3"),
        ])),
        with_span(changed("aa00000000000003", base + [
            attr("gen_ai.usage.input_tokens", intValue="-5"),
            attr("gen_ai.usage.output_tokens", intValue="3"),
        ])),
        with_span(changed("aa00000000000004", base + [
            attr("gen_ai.usage.input_tokens", intValue="10"),
            attr("gen_ai.usage.cache_read.input_tokens", intValue="20"),   # more than input
            attr("gen_ai.usage.output_tokens", intValue="3"),
        ])),
        with_span(changed("", base + [attr("gen_ai.usage.input_tokens", intValue="10")])),
        with_span(changed("aa00000000000006", base, startTimeUnixNano="yesterday")),
        with_span(changed("aa00000000000007", base, startTimeUnixNano="4102444800000000000")),
        with_span(changed("aa00000000000008", [
            attr("gen_ai.operation.name", stringValue="chat"),
            attr("gen_ai.request.model", stringValue="gpt-4o-mini"),
            {"key": "gen_ai.provider.name", "value": "openai"},         # not an AnyValue
            attr("gen_ai.provider.name", stringValue="anthropic"),     # a later duplicate
            attr("gen_ai.system", stringValue="openai"),
            attr("server.address", stringValue="api.openai.com"),
            attr("app.feature", boolValue=True),
            attr("app.team", doubleValue=2.5),
            attr("app.customer_id", intValue="42"),
            attr("gen_ai.usage.input_tokens", intValue="100"),
            attr("gen_ai.usage.output_tokens", intValue="7"),
            attr("gen_ai.usage.reasoning.output_tokens", intValue="9"),  # more than output
        ])),
        with_span(changed("aa00000000000009", base + [
            attr("error.type", stringValue="429"),
        ], status={"code": 2})),
        with_span(changed("aa0000000000000a", [
            attr("gen_ai.operation.name", stringValue="invoke_agent"),
        ])),
        with_span(changed("aa0000000000000b", base + [
            attr("gen_ai.usage.input_tokens", intValue="99999999999999999999"),  # > bigint
            attr("gen_ai.usage.output_tokens", intValue="1"),
        ])),
        "  " + with_span(changed("aa0000000000000c", base + [
            attr("gen_ai.usage.input_tokens", intValue=" 8 "),
            attr("gen_ai.usage.output_tokens", intValue="1"),
        ])),
        with_span(changed("aa0000000000000d", base + [
            attr("gen_ai.usage.input_tokens", intValue="1"),
        ])) + " trailing",
    ]


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_bad_input_classified_like_duckdb(
    engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Malformed lines of both sources: quarantined, skipped or kept exactly as on DuckDB."""
    from catalogue import MAX_LINE_BYTES, write_landing

    from ai_finops import generate

    raw = tmp_path / "raw"
    generate.generate(raw, requests=200, days=2, start="2026-09-29", seed=11)
    write_landing(raw)
    (raw / "otel").mkdir(parents=True, exist_ok=True)
    (raw / "otel" / "bad-otel.jsonl").write_text("\n".join(_otel_bad_lines()) + "\n")
    _drop_engine_state(engine, tmp_path, monkeypatch)
    # Spark without dbt's data tests (build_and_compare): this case is about how each line is
    # classified, which the comparison checks field by field against DuckDB's build, where every
    # data test runs on the same lines; the sample case runs them on Spark. Saves about 1.5 min.
    build_and_compare(engine, raw, tmp_path, {"max_line_bytes": MAX_LINE_BYTES},
                      data_tests=engine != "spark")


def test_loader_lines_match_the_duckdb_reader(tmp_path: Path) -> None:
    """The loader's lines are the DuckDB build's: same names, numbers and text (no engine)."""
    from ai_finops.load_raw import iter_rows, landing_files

    raw = copy_sample(tmp_path / "raw", sources=("litellm", "otel"))
    nested = raw / "litellm" / "2026" / "10"
    nested.mkdir(parents=True)
    (nested / "late.jsonl").write_bytes(b'{"id": "a"}\r\n\n{"id": "b\x00"}\xff\n{"id": "c"}')
    (raw / "litellm" / "object.json").write_bytes(b'{"id": "o"}\n')  # the S3 logger's layout
    (raw / "litellm" / "notes.txt").write_text("no reader for this name")
    files = landing_files(str(raw), "litellm")
    assert files == sorted(files)
    assert f"{raw}/litellm/2026/10/late.jsonl" in files
    assert f"{raw}/litellm/notes.txt" in files  # ledgered as skipped, never read
    read = list(iter_rows(str(raw), "litellm"))
    assert not any(r[0].endswith("notes.txt") for r in read)
    assert [r[1:] for r in read if r[0].endswith("object.json")] == [(1, '{"id": "o"}\n', False)]
    rows = [r for r in read if r[0].endswith("late.jsonl")]
    assert [(n, text, bad) for _, n, text, bad in rows] == [
        (1, '{"id": "a"}', False),
        (2, None, False),
        (3, '{"id": "b\ufffd"}\ufffd', True),
        (4, '{"id": "c"}', False),
    ]
    shutil.rmtree(raw)
