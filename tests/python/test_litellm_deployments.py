"""What LiteLLM proxy deployments write: Router payloads (deployments, model groups, the proxy's
User-Agent tags) and the proxy's LiteLLM_SpendLogs table (CSV exports and JSON rows), each built
alone from output LiteLLM 1.106.2 itself produced (fixtures/litellm_real_shapes, with its
truth.json: what LiteLLM recorded)."""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import query, run_dbt

SHAPES = Path(__file__).parent / "fixtures" / "litellm_real_shapes"
BUILD = ["build", "--exclude", "resource_type:unit_test"]


def _truth(layout: str) -> dict:
    return json.loads((SHAPES / layout / "truth.json").read_text())


def _one_hour_cache_ids(files: list[Path]) -> set[str]:
    """Requests with 1-hour cache writes: LiteLLM bills them at $6/Mtok, a rate the price seed
    does not carry yet (it prices every cache write at the 5-minute rate)."""
    ids = set()
    for path in files:
        for line in path.read_text().splitlines():
            payload = json.loads(line) if line.strip() else {}
            details = (((payload.get("metadata") or {}).get("usage_object") or {})
                       .get("prompt_tokens_details") or {}).get("cache_creation_token_details") or {}
            if details.get("ephemeral_1h_input_tokens"):
                ids.add(payload["id"])
    return ids


def _build(tmp_path: Path, source: str, files: list[Path], check: bool = True):
    raw = tmp_path / "raw"
    (raw / source).mkdir(parents=True)
    for path in files:
        shutil.copy(path, raw / source / path.name)
    db = tmp_path / "wh.duckdb"
    proc = run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path, check=check)
    return db, proc


def _assert_priced_like_litellm(db: Path, truth: dict, skip_ids: set[str] = frozenset()) -> None:
    """Every request once; list cost per model within 0.1% of LiteLLM's own cost."""
    assert query(db, "select count(*), count(distinct request_id) from fct_llm_requests") == \
        [(truth["records"], truth["records"])]
    months = dict(query(db, "select strftime(requested_month, '%Y-%m'), sum(gateway_cost_usd) "
                            "from fct_llm_requests group by 1"))
    assert {m: float(c) for m, c in months.items()} == pytest.approx(truth["by_month"], rel=1e-9)
    skipped = "', '".join(sorted(skip_ids))
    ours = {(p, m): (n, c, g) for p, m, n, c, g in query(
        db, "select provider, model, count(*), sum(list_cost_usd), sum(gateway_cost_usd) "
            f"from fct_llm_requests where request_id not in ('{skipped}') group by 1, 2")}
    for provider, models in truth["by_provider_model"].items():
        for logged_model, expected in models.items():
            model = logged_model.split("/", 1)[1]
            requests, cost, gateway = ours[(provider, model)]
            if not skip_ids:
                assert requests == expected["requests"], logged_model
            # against what LiteLLM charged the same requests (its cost per request is logged)
            assert cost is not None, f"{logged_model} unpriced"
            assert abs(cost - gateway) <= gateway * Decimal("0.001"), (logged_model, cost, gateway)


def test_router_payloads_price_deployments_and_ignore_user_agent_tags(tmp_path: Path) -> None:
    files = sorted((SHAPES / "proxy_router").glob("router-*.jsonl"))
    db, _ = _build(tmp_path, "litellm", files)
    truth = _truth("proxy_router")
    _assert_priced_like_litellm(db, truth, skip_ids=_one_hour_cache_ids(files))

    # the Azure deployment prices as its base model, at LiteLLM's cost, and keeps its name
    assert query(db, "select model, priced_as_model, model_group, count(distinct deployment_id), "
                     "max(api_base), sum(list_cost_usd) = sum(gateway_cost_usd) "
                     "from fct_llm_requests where provider = 'azure' group by 1, 2, 3") == \
        [("gpt-4o-prod-eu", "gpt-4o", "prod-gpt4o", 1, "https://contoso-eu.openai.azure.com", True)]
    assert query(db, "select count(*) from fct_llm_requests where pricing_status <> 'priced'") == [(0,)]
    # cost by model group and by deployment: every request has both
    assert query(db, "select count(*) from fct_llm_requests "
                     "where model_group is null or deployment_id is null") == [(0,)]

    # the proxy's User-Agent tags: never a feature, team, customer, environment or region ...
    for column in ("feature", "team", "customer_id", "environment", "region", "cost_center"):
        assert query(db, f"select count(*) from fct_llm_requests where {column} ilike '%user-agent%' "
                         f"or {column} in (select client_user_agent from fct_llm_requests)") == [(0,)], column
    # ... and no tag at all: the requests with only those tags count as untagged
    assert query(db, "select count(distinct request_id) from stg_litellm__requests where request_tag_count = 0") == \
        [(truth["requests_without_tags_other_than_user_agent"],)]
    # ... kept as the client dimension: the full agent string
    agents = {a for (a,) in query(db, "select distinct client_user_agent from fct_llm_requests")}
    assert "OpenAI/Python 2.54.0" in agents and None not in agents
    assert not any(a.startswith("User-Agent") for a in agents)


@pytest.mark.parametrize("export", ["LiteLLM_SpendLogs.csv", "LiteLLM_SpendLogs.jsonl"])
def test_spend_logs_export_is_read_as_the_same_requests(tmp_path: Path, export: str) -> None:
    db, _ = _build(tmp_path, "litellm_spend_logs", [SHAPES / "spend_logs" / export])
    truth = _truth("spend_logs")
    _assert_priced_like_litellm(db, truth)
    assert query(db, "select distinct source_system from fct_llm_requests") == [("litellm_spend_logs",)]
    tokens = query(db, "select sum(cache_read_tokens), sum(cache_write_tokens), sum(input_tokens), "
                       "sum(output_tokens), sum(reasoning_tokens) from fct_llm_requests")[0]
    expected = truth["tokens"]
    assert tokens == (expected["cache_read_input_tokens"], expected["cache_creation_input_tokens"],
                      expected["uncached_input_tokens"], expected["completion_tokens"],
                      expected["reasoning_tokens"])
    assert query(db, "select count(distinct request_id) from stg_litellm__requests where request_tag_count = 0") == \
        [(truth["requests_without_tags_other_than_user_agent"],)]
    assert query(db, "select count(*) from fct_llm_requests where provider = 'azure' "
                     "and priced_as_model = 'gpt-4o'") == [(8,)]
    # prompts and responses never leave staging: not even a quarantined row would carry them
    assert query(db, "select count(*) from base_litellm_spend_logs__raw_rows "
                     "where raw_line like '%\"messages\"%' or raw_line like '%\"response\"%'") == [(0,)]


def _spend_log_rows() -> tuple[list[str], list[dict]]:
    with (SHAPES / "spend_logs" / "LiteLLM_SpendLogs.csv").open(newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_overlapping_exports_and_a_request_in_both_records_count_once(tmp_path: Path) -> None:
    """Two exports that overlap (yesterday's and today's, both holding the last rows) and a
    request LiteLLM logged both as a payload and in SpendLogs: one request each; where the two
    records disagree, the disagreement is reported."""
    columns, rows = _spend_log_rows()
    raw = tmp_path / "raw"
    _write_csv(raw / "litellm_spend_logs" / "spend_logs_2026-10-15.csv", columns, rows[:40])
    _write_csv(raw / "litellm_spend_logs" / "spend_logs_2026-11-01.csv", columns, rows[30:])
    payload = json.loads((SHAPES / "proxy_router" / "router-2026-10.jsonl").read_text().splitlines()[0])
    # the same request in SpendLogs, billed twice the payload's cost
    metadata = dict(json.loads(rows[59]["metadata"]), usage_object=payload["metadata"]["usage_object"])
    row = dict(rows[59], request_id=payload["id"], spend=str(payload["response_cost"] * 2),
               model=payload["model"], custom_llm_provider=payload["custom_llm_provider"],
               prompt_tokens=payload["prompt_tokens"], completion_tokens=payload["completion_tokens"],
               metadata=json.dumps(metadata))
    _write_csv(raw / "litellm_spend_logs" / "spend_logs_late.csv", columns, [row])
    (raw / "litellm").mkdir()
    (raw / "litellm" / "payloads.jsonl").write_text(json.dumps(payload) + "\n")
    db = tmp_path / "wh.duckdb"
    run_dbt(BUILD, raw_dir=raw, db_path=db, work_dir=tmp_path)

    assert query(db, "select count(*), count(distinct request_id) from fct_llm_requests") == [(61, 61)]
    assert query(db, "select sum(duplicate_lines) from rpt_landing_line_accounting") == [(11,)]
    # the overlap is an exact copy (not a conflict); the payload and its SpendLogs row disagree
    # on the bill: the payload is kept, the disagreement reported column by column
    assert query(db, "select request_id, source_system, differing_columns, "
                     "conflicting_gateway_cost_usd = 2 * kept_gateway_cost_usd "
                     "from rpt_request_delivery_conflicts") == \
        [(payload["id"], "litellm", "gateway_cost_usd", True)]
    assert query(db, "select source_system, delivery_count from fct_llm_requests "
                     f"where request_id = '{payload['id']}'") == [("litellm", 2)]


def test_spend_logs_export_with_a_renamed_column_stops_the_build(tmp_path: Path) -> None:
    columns, rows = _spend_log_rows()
    renamed = ["start_time" if c == "startTime" else c for c in columns]
    for row in rows:
        row["start_time"] = row["startTime"]
    export = _write_csv(tmp_path / "raw" / "litellm_spend_logs" / "export.csv", renamed, rows)
    proc = run_dbt(BUILD, raw_dir=tmp_path / "raw", db_path=tmp_path / "wh.duckdb",
                   work_dir=tmp_path, check=False)
    assert proc.returncode != 0
    message = " ".join(proc.stdout.split())
    assert f"The export {export} has no column \"startTime\" (the header has \"start_time\")" in message
    assert "Nothing of this file was read" in message


def test_spend_logs_row_with_unparseable_metadata_is_quarantined(tmp_path: Path) -> None:
    columns, rows = _spend_log_rows()
    rows[5]["metadata"] = '{"usage_object": {"prompt_tokens": 12'  # cut off
    _write_csv(tmp_path / "raw" / "litellm_spend_logs" / "export.csv", columns, rows)
    db = tmp_path / "wh.duckdb"
    run_dbt(BUILD, raw_dir=tmp_path / "raw", db_path=db, work_dir=tmp_path)
    assert query(db, "select line_number, quarantine_reason, request_id "
                     "from stg_litellm__lines_quarantined") == [(6, "invalid_metadata", rows[5]["request_id"])]
    assert query(db, "select count(*) from fct_llm_requests") == [(59,)]
    assert query(db, "select sum(lines_read), sum(requests), sum(quarantined_lines) "
                     "from rpt_landing_line_accounting") == [(60, 59, 1)]


def test_azure_deployment_without_litellm_model_map_prices_from_the_seed(tmp_path: Path) -> None:
    """A payload without model_map_information (an older LiteLLM, a custom logger): the Azure
    deployment prices as the model seed azure_deployments maps it to (the demo's seed maps
    gpt-4o-prod-eu to gpt-4o); an unknown deployment is reported unpriced, never $0."""
    lines = []
    for path in sorted((SHAPES / "proxy_router").glob("router-*.jsonl")):
        for line in path.read_text().splitlines():
            payload = json.loads(line)
            if payload["custom_llm_provider"] == "azure":
                payload.pop("model_map_information", None)
                lines.append(payload)
    unknown = dict(lines[0], id="unknown-deployment", model="azure/gpt-4o-test")
    raw = tmp_path / "raw" / "litellm"
    raw.mkdir(parents=True)
    (raw / "azure.jsonl").write_text("\n".join(json.dumps(p) for p in [*lines, unknown]) + "\n")
    db = tmp_path / "wh.duckdb"
    run_dbt(BUILD, raw_dir=tmp_path / "raw", db_path=db, work_dir=tmp_path)
    assert query(db, "select model, priced_as_model, pricing_status, "
                     "sum(list_cost_usd) = sum(gateway_cost_usd), count(*) from fct_llm_requests "
                     "group by 1, 2, 3 order by 1") == [
        ("gpt-4o-prod-eu", "gpt-4o", "priced", True, len({p["id"] for p in lines})),
        ("gpt-4o-test", "gpt-4o-test", "unpriced_model", None, 1),
    ]
