"""OpenTelemetry GenAI spans (OTLP/JSON) through the real build: the bundled sample reconciles to
its truth.json, every line and span is accounted for, bad input is quarantined, and a request
that both LiteLLM and OpenTelemetry saw counts once."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, SAMPLE, copy_sample, query, run_dbt

BUILD = ["build", "--exclude", "resource_type:unit_test"]
OTEL_SAMPLE = SAMPLE / "otel" / "otel-traces.jsonl"
TRUTH = json.loads((ROOT / "data" / "truth" / "otel.json").read_text())


def _copy_otel_sample(dest: Path) -> Path:
    (dest / "otel").mkdir(parents=True, exist_ok=True)
    shutil.copy(OTEL_SAMPLE, dest / "otel" / OTEL_SAMPLE.name)
    return dest


def _spans(lines: list[str]) -> list[dict]:
    """Every span of OTLP/JSON export lines, each with its attributes as a dict."""
    spans = []
    for line in lines:
        for resource_spans in json.loads(line)["resourceSpans"]:
            for scope_spans in resource_spans["scopeSpans"]:
                for span in scope_spans["spans"]:
                    attrs = {a["key"]: next(iter(a["value"].values())) for a in span["attributes"]}
                    spans.append({**span, "attrs": attrs})
    return spans


@pytest.fixture(scope="module")
def otel_build(tmp_path_factory) -> Path:
    """The project built on the bundled OpenTelemetry sample alone; returns the warehouse path."""
    work = tmp_path_factory.mktemp("otel_build")
    raw = _copy_otel_sample(work / "raw")
    db = work / "warehouse.duckdb"
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=work)
    return db


def test_sample_token_totals_equal_truth(otel_build: Path) -> None:
    (requests, failures, usage_missing, embeddings, input_tokens, output_tokens) = query(
        otel_build,
        """select count(*),
                  count(*) filter (where status = 'failure'),
                  count(*) filter (where pricing_status = 'usage_missing'),
                  count(*) filter (where call_type = 'embedding'),
                  sum(input_tokens + cache_read_tokens + cache_write_tokens),
                  sum(output_tokens)
           from fct_llm_requests where source_system = 'otel'""",
    )[0]
    assert requests == TRUTH["genai_spans"] == 150
    assert failures == TRUTH["error_spans_429"] == 3
    assert usage_missing == TRUTH["stream_spans_without_usage"] == 2
    assert embeddings == TRUTH["embedding_spans"] == 10
    # gen_ai.usage.input_tokens includes cached tokens: the exclusive buckets add back up to it
    assert input_tokens == TRUTH["observable_totals"]["input_tokens"]
    assert output_tokens == TRUTH["observable_totals"]["output_tokens"]


def test_per_model_observable_totals_equal_truth(otel_build: Path) -> None:
    """Per model (the response's dated snapshot), provider from server.address, all priced."""
    rows = query(
        otel_build,
        """select provider, model, count(*), sum(input_tokens + cache_read_tokens + cache_write_tokens),
                  sum(output_tokens), count(*) filter (where pricing_status <> 'priced')
           from fct_llm_requests
           where source_system = 'otel' and status = 'success' and pricing_status <> 'usage_missing'
           group by 1, 2""",
    )
    got = {model: (provider, n, i, o, unpriced) for provider, model, n, i, o, unpriced in rows}
    expected = {}
    for request_model, totals in TRUTH["observable_by_request_model"].items():
        alias = TRUTH["model_aliases"][request_model]
        expected[alias["response_model"]] = (
            alias["client"], totals["requests"], totals["input_tokens"], totals["output_tokens"], 0
        )
    assert got == expected


def test_every_request_prices_and_failures_cost_nothing(otel_build: Path) -> None:
    rows = query(
        otel_build,
        """select status, pricing_status, count(*), sum(list_cost_usd)::double, min(priced_as_model)
           from fct_llm_requests where source_system = 'otel' group by 1, 2 order by 1, 2""",
    )
    by_status = {(status, pricing): (n, cost) for status, pricing, n, cost, _ in rows}
    assert by_status[("failure", "priced")] == (3, 0.0)
    assert by_status[("success", "usage_missing")] == (2, None)
    assert by_status[("success", "priced")][0] == 145
    assert by_status[("success", "priced")][1] > 0
    assert set(by_status) == {("failure", "priced"), ("success", "usage_missing"), ("success", "priced")}
    # dated snapshots price as their base model; the Azure deployment as the model behind it
    snapshots = dict(
        query(
            otel_build,
            """select model, priced_as_model from fct_llm_requests
               where source_system = 'otel' and pricing_status = 'priced' group by 1, 2""",
        )
    )
    assert snapshots["gpt-4o-mini-2024-07-18"] == "gpt-4o-mini"
    assert snapshots["claude-haiku-4-5-20251001"] == "claude-haiku-4-5"
    assert snapshots["gpt-4o-2024-11-20"] == "gpt-4o"


def test_every_line_and_span_is_accounted_for(otel_build: Path) -> None:
    lines = OTEL_SAMPLE.read_text(encoding="utf-8").splitlines()
    spans = _spans(lines)
    genai = [s for s in spans if "gen_ai.operation.name" in s["attrs"]]
    rows = query(
        otel_build,
        """select source_system, lines_read, export_lines, quarantined_lines, spans_read, requests,
                  duplicate_spans, skipped_spans, quarantined_spans, duplicate_lines
           from rpt_landing_line_accounting""",
    )
    # counted independently of dbt: physical lines, spans, GenAI spans in the file
    assert rows == [
        ("otel", len(lines), len(lines), 0, len(spans), len(genai), 0, len(spans) - len(genai), 0, None)
    ]
    assert (len(lines), len(spans), len(genai)) == (
        TRUTH["export_lines"], TRUTH["spans_exported"], TRUTH["genai_spans"]
    )


def test_context_from_span_ancestor_and_resource(otel_build: Path) -> None:
    """Baggage on the span -> tags; on the parent only -> metadata; environment per service."""
    styles = dict(
        query(
            otel_build,
            """select case when tag_feature is not null then 'baggage'
                           when metadata_feature is not null then 'parent_only'
                           else 'untagged' end, count(*)
               from int_otel_requests_mapped where status = 'success' group by 1""",
        )
    )
    assert styles == {style: t["requests"] for style, t in TRUTH["by_tag_style"].items()}
    service_env = dict(
        query(
            otel_build,
            """select service_name || '/' || coalesce(tag_environment, metadata_environment), count(*)
               from int_otel_requests_mapped where status = 'success' group by 1""",
        )
    )
    assert service_env == {key: t["requests"] for key, t in TRUTH["by_service_env"].items()}
    # eval-runner names its environment with the newer deployment.environment.name
    assert TRUTH["env_attribute_key"]["eval-runner"] == "deployment.environment.name"
    assert query(
        otel_build,
        "select count(*) from int_otel_requests_mapped where api_key_alias is not null "
        "or gateway_cost_usd is not null or service_name is null",
    ) == [(0,)]


def test_no_message_content_outside_staging(otel_build: Path) -> None:
    """The sample captures prompts (with an e-mail address) for two services: none leaves staging."""
    text = OTEL_SAMPLE.read_text(encoding="utf-8")
    assert "alice@example.com" in text  # positive control: the content is in the landing file
    with duckdb.connect(str(otel_build), read_only=True) as con:
        relations = [
            r[0]
            for r in con.execute(
                """select table_name from information_schema.tables
                   where table_name like 'int_%' or table_name like 'fct_%'
                      or table_name like 'rpt_%' or table_name like 'stg_otel__%'"""
            ).fetchall()
        ]
        assert {"stg_otel__spans", "int_otel_requests_mapped", "fct_llm_requests"} <= set(relations)
        for relation in relations:
            for (column,) in con.execute(
                "select column_name from information_schema.columns where table_name = ? "
                "and data_type = 'VARCHAR'",
                [relation],
            ).fetchall():
                hits = con.execute(
                    f'select count(*) from {relation} where "{column}" like \'%@%\' '
                    f'or "{column}" like \'%invoice%\''
                ).fetchone()[0]
                assert hits == 0, (relation, column)


def test_request_seen_by_both_sources_counts_once(tmp_path: Path) -> None:
    """A LiteLLM record whose id is an OTel span's gen_ai.response.id is the same request."""
    raw = _copy_otel_sample(copy_sample(tmp_path / "raw"))
    spans = _spans(OTEL_SAMPLE.read_text(encoding="utf-8").splitlines())
    response_id = next(s["attrs"]["gen_ai.response.id"] for s in spans if "gen_ai.response.id" in s["attrs"])
    with open(SAMPLE / "litellm" / "litellm-2026-10.jsonl", encoding="utf-8") as f:
        record = json.loads(next(f))
    record["id"] = response_id
    (raw / "litellm" / "shared.jsonl").write_text(json.dumps(record) + "\n")

    db = tmp_path / "wh.duckdb"
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)

    litellm_ids = {
        json.loads(line)["id"]
        for f in (SAMPLE / "litellm").glob("*.jsonl")
        for line in f.read_text(encoding="utf-8").splitlines()
    }
    assert query(db, "select count(*), count(distinct request_id) from fct_llm_requests") == [
        (len(litellm_ids) + 150, len(litellm_ids) + 150)
    ]
    # the gateway's delivery is kept (it carries the gateway cost); the span is a duplicate
    assert query(
        db, "select source_system, delivery_count from fct_llm_requests where request_id = ?", [response_id]
    ) == [("litellm", 2)]
    (otel_requests, duplicate_spans, spans_read, skipped, quarantined) = query(
        db,
        """select requests, duplicate_spans, spans_read, skipped_spans, quarantined_spans
           from rpt_landing_line_accounting where source_system = 'otel'""",
    )[0]
    assert (otel_requests, duplicate_spans) == (149, 1)
    assert spans_read == otel_requests + duplicate_spans + skipped + quarantined


def _export(spans: list[dict], resource: dict | None = None) -> str:
    resource_attrs = [{"key": k, "value": {"stringValue": v}} for k, v in (resource or {}).items()]
    return json.dumps(
        {"resourceSpans": [{"resource": {"attributes": resource_attrs},
                            "scopeSpans": [{"scope": {"name": "test"}, "spans": spans}]}]}
    )


def test_bad_lines_and_spans_are_quarantined_gzip_is_read(tmp_path: Path) -> None:
    lines = OTEL_SAMPLE.read_text(encoding="utf-8").splitlines()
    sample_spans = json.loads(lines[0])["resourceSpans"][0]["scopeSpans"][0]["spans"]
    genai = next(s for s in sample_spans if any(a["key"] == "gen_ai.usage.input_tokens" for a in s["attributes"]))
    negative = json.loads(json.dumps(genai))
    negative["spanId"] = "00000000000000ff"
    for attr in negative["attributes"]:
        if attr["key"] == "gen_ai.usage.input_tokens":
            attr["value"] = {"intValue": "-5"}
        if attr["key"] == "gen_ai.response.id":
            attr["value"] = {"stringValue": "chatcmpl-negative"}
    app_span = {"traceId": genai["traceId"], "spanId": "00000000000000aa", "name": "GET /health",
                "startTimeUnixNano": genai["startTimeUnixNano"], "attributes": []}
    mixed = [
        _export([negative, app_span], {"service.name": "svc"}),
        lines[0][: len(lines[0]) // 2],  # truncated mid-record
        "",  # blank line
        '{"resourceMetrics": []}',  # a metrics export landed in the traces folder
        '{"resourceSpans": []}',  # a valid, empty export
        lines[0],  # the first sample line re-exported: its spans are duplicates
    ]
    raw = tmp_path / "raw"
    (raw / "otel" / "2026" / "09").mkdir(parents=True)
    (raw / "otel" / "2026" / "09" / "mixed.jsonl").write_text("\n".join(mixed) + "\n")
    with gzip.open(raw / "otel" / "2026" / "09" / "a.jsonl.gz", "wt") as f:
        f.write(lines[0] + "\n")

    db = tmp_path / "wh.duckdb"
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)

    quarantined = query(
        db,
        """select regexp_extract(source_file, '[^/]+$'), line_number, span_index, quarantine_level,
                  quarantine_reason
           from stg_otel__spans_quarantined order by 1, 2""",
    )
    assert quarantined == [
        ("mixed.jsonl", 1, 1, "span", "negative_tokens"),
        ("mixed.jsonl", 2, None, "line", "invalid_json"),
        ("mixed.jsonl", 3, None, "line", "blank_line"),
        ("mixed.jsonl", 4, None, "line", "not_otlp_traces"),
    ]
    raw_text = query(db, "select raw_line from stg_otel__spans_quarantined where line_number = 2")
    assert raw_text == [(mixed[1],)]

    first_line_spans = _spans([lines[0]])
    first_line_genai = sum("gen_ai.operation.name" in s["attrs"] for s in first_line_spans)
    accounting = query(
        db,
        """select regexp_extract(source_file, '[^/]+$'), lines_read, export_lines, quarantined_lines,
                  spans_read, requests, duplicate_spans, skipped_spans, quarantined_spans
           from rpt_landing_line_accounting order by 1""",
    )
    n = len(first_line_spans)
    assert accounting == [
        # a.jsonl.gz sorts first, so it holds the first delivery of the re-exported spans
        ("a.jsonl.gz", 1, 1, 0, n, first_line_genai, 0, n - first_line_genai, 0),
        ("mixed.jsonl", 6, 3, 3, 2 + n, 0, first_line_genai, 1 + n - first_line_genai, 1),
    ]
    assert query(db, "select count(*) from fct_llm_requests") == [(first_line_genai,)]


def test_context_attribute_names_are_dbt_vars(tmp_path: Path) -> None:
    """Teams that name their attributes differently set the vars, not the SQL."""
    lines = OTEL_SAMPLE.read_text(encoding="utf-8").splitlines()
    renamed = re.sub(r'"key":\s*"app\.feature"', '"key": "acme.use_case"', lines[0])
    raw = tmp_path / "raw"
    (raw / "otel").mkdir(parents=True)
    (raw / "otel" / "renamed.jsonl").write_text(renamed + "\n")
    db = tmp_path / "wh.duckdb"
    run_dbt(
        [*BUILD, "--vars", "{otel_feature_attributes: [acme.use_case]}"],
        raw_dir=raw, db_path=db, work_dir=tmp_path,
    )
    features = Counter(
        dict(query(db, "select coalesce(tag_feature, metadata_feature), count(*) from int_otel_requests_mapped group by 1"))
    )
    # expected: the span's own app.feature, else its parent's (the sample's traces are two deep)
    spans = {s["spanId"]: s for s in _spans([lines[0]])}
    expected = Counter(
        s["attrs"].get("app.feature") or spans.get(s.get("parentSpanId"), {"attrs": {}})["attrs"].get("app.feature")
        for s in spans.values() if "gen_ai.operation.name" in s["attrs"]
    )
    assert features == expected
    assert sum(n for feature, n in expected.items() if feature) > 0
