"""End-to-end checks of a build on the bundled LiteLLM sample (real LiteLLM 1.106.2 output)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
from conftest import ROOT, SAMPLE, query

TRUTH = json.loads((ROOT / "data" / "truth" / "litellm.json").read_text())


def _sample_lines() -> list[str]:
    lines: list[str] = []
    for f in sorted((SAMPLE / "litellm").glob("*.jsonl")):
        lines += f.read_text(encoding="utf-8").splitlines()
    return lines


def test_every_line_is_accounted_for(sample_build: Path) -> None:
    lines = _sample_lines()
    ids = [json.loads(line)["id"] for line in lines]
    (lines_read, requests, duplicates, quarantined) = query(
        sample_build,
        """select sum(lines_read), sum(requests), sum(duplicate_lines), sum(quarantined_lines)
           from rpt_landing_line_accounting where source_system = 'litellm'""",
    )[0]
    # counted independently of dbt: physical lines and distinct ids in the files
    assert lines_read == len(lines) == 303
    assert requests == len(set(ids)) == TRUTH["records"]
    assert duplicates == len(ids) - len(set(ids)) == TRUTH["duplicates_added"]
    assert quarantined == 0
    assert lines_read == requests + duplicates + quarantined
    assert query(
        sample_build, "select count(*) from fct_llm_requests where source_system = 'litellm'"
    )[0][0] == requests


def test_gateway_cost_per_month_matches_truth(sample_build: Path) -> None:
    rows = dict(
        query(
            sample_build,
            """select strftime(requested_month, '%Y-%m'), sum(gateway_cost_usd)::double
               from fct_llm_requests where source_system = 'litellm' group by 1""",
        )
    )
    assert rows.keys() == TRUTH["by_month"].keys()
    for month, cost in TRUTH["by_month"].items():
        assert abs(rows[month] - cost) < 1e-6, month


def test_list_cost_matches_litellm_within_a_tenth_of_a_percent(sample_build: Path) -> None:
    rows = query(
        sample_build,
        """select requested_month, provider, model, compared_requests, variance_ratio,
                  list_cost_usd::double, gateway_cost_usd::double
           from rpt_llm_cost_list_vs_gateway where compared_requests > 0""",
    )
    assert len(rows) == 22  # 11 LiteLLM models x 2 months in the sample
    assert sum(r[3] for r in rows) == TRUTH["records"]  # every LiteLLM request is compared
    for month, provider, model, _, ratio, list_cost, gateway in rows:
        assert abs(ratio) <= 0.001, (month, provider, model, list_cost, gateway)


def test_token_buckets_are_exclusive_and_match_the_log(sample_build: Path) -> None:
    """prompt_tokens (LiteLLM) = input + cache read + cache write; completion = output."""
    expected = {}
    for line in _sample_lines():
        rec = json.loads(line)
        expected[rec["id"]] = (rec["prompt_tokens"], rec["completion_tokens"])
    got = query(
        sample_build,
        """select request_id, input_tokens + cache_read_tokens + cache_write_tokens,
                  output_tokens, input_tokens >= 0
           from fct_llm_requests where source_system = 'litellm'""",
    )
    assert len(got) == len(expected)
    for request_id, prompt, completion, non_negative in got:
        assert (prompt, completion) == expected[request_id]
        assert non_negative
    # anthropic cache writes are in the sample and must land in their own bucket
    assert query(sample_build, "select sum(cache_write_tokens) from fct_llm_requests")[0][0] > 0


def _planted_personal_data() -> set[str]:
    """Strings from the sample's message content (LiteLLM messages, OpenTelemetry captured
    gen_ai.input/output.messages) that must never leave staging."""
    texts = [
        message.get("content") or ""
        for line in _sample_lines()
        for message in json.loads(line).get("messages") or []
    ]
    # the OTel sample captures content for two services; the whole export text is scanned
    texts.append((SAMPLE / "otel" / "otel-traces.jsonl").read_text(encoding="utf-8"))
    found: set[str] = set()
    for content in texts:
        found.update(re.findall(r"[\w.+-]+@example\.[\w.]+", content))
        found.update(re.findall(r"\+1 555 \d{4}", content))
        found.update(re.findall(r"\d+ \w+ St\b", content))
        found.update(re.findall(r"Customer [A-Z]\w+ [A-Z]\w+", content))
        found.update(re.findall(r"asks about invoice \d+", content))
    return found


def _personal_data_hits(con: duckdb.DuckDBPyConnection, relation: str, planted: set[str]) -> list:
    """(column, value) pairs of `relation` that hold planted personal data or an e-mail address."""
    hits = []
    columns = con.execute(
        "select column_name from information_schema.columns where table_name = ? "
        "and data_type = 'VARCHAR'",
        [relation],
    ).fetchall()
    for (column,) in columns:
        values = con.execute(
            f'select distinct "{column}" from {relation} where "{column}" is not null'
        ).fetchall()
        hits += [
            (column, v)
            for (v,) in values
            if "@" in v or any(p in v for p in planted)
        ]
    return hits


def test_no_message_content_outside_staging(sample_build: Path) -> None:
    planted = _planted_personal_data()
    assert {"alice@example.com", "12 Main St"} <= planted
    assert len(planted) > 20  # LiteLLM messages and OpenTelemetry captured content
    with duckdb.connect(str(sample_build), read_only=True) as con:
        # positive control: the scan does find the planted data where it legitimately is
        assert _personal_data_hits(con, "base_litellm__raw_lines", planted)
        relations = [
            r[0]
            for r in con.execute(
                """select table_name from information_schema.tables
                   where table_name like 'int_%' or table_name like 'fct_%'
                      or table_name like 'dim_%' or table_name like 'rpt_%'"""
            ).fetchall()
        ]
        assert {"fct_llm_requests", "int_llm_requests_priced"} <= set(relations)
        for relation in relations:
            names = {
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_name = ?",
                    [relation],
                ).fetchall()
            }
            assert not names & {"messages", "raw_line", "response", "prompt"}, relation
            assert _personal_data_hits(con, relation, planted) == [], relation


def test_finance_analyses_compile_and_answer(sample_build: Path, tmp_path: Path) -> None:
    """The ready queries in analyses/ run against the built sample and return answers."""
    from conftest import SAMPLE as sample_dir
    from conftest import run_dbt

    run_dbt(["compile", "--select", "resource_type:analysis"], raw_dir=sample_dir,
            db_path=sample_build, work_dir=tmp_path)
    compiled = sorted((tmp_path / "target" / "compiled").rglob("analyses/*.sql"))
    assert {p.stem for p in compiled} >= {
        "feature_cost_last_month_and_why",
        "customers_costing_more_than_they_pay",
        "internal_and_rnd_share_of_bill",
    }
    with duckdb.connect(str(sample_build), read_only=True) as con:
        for path in compiled:
            rows = con.execute(path.read_text()).fetchall()
            assert rows, path.stem
