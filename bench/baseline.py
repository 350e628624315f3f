"""Hand-written DuckDB baseline: the project's core work in one SQL statement, no dbt.

What it does, on the same landing folder the project reads (``<raw>/litellm/**/*.jsonl[.gz]``):
read every line, keep one delivery per request ``id``, price it from the finance price seed
with the effective-dated join (exact model, else the dated snapshot's base model; long-context
tier; batch/flex/priority multiplier; a class without its own rate billed at the input rate),
and aggregate list cost, gateway cost, requests and tokens by reporting day (UTC) and feature
(first ``feature:`` tag, else ``spend_logs_metadata.feature``, else the API key's default
feature from the configuration's ``api_keys.csv``, else ``unattributed``: the project's precedence). The
result is written as a table to a DuckDB file, as dbt writes its tables.

What it leaves out on purpose, because a hand-written job would: the per-line accounting
(line numbers, quarantine reasons, raw text of bad lines), the per-request fact table, contracts,
documentation and tests. The ratio ``dbt build / baseline`` is therefore the price of those.

Two readers (``--reader``):
  json   DuckDB's newline-delimited JSON reader with the needed columns typed up front
         (the fastest honest way; malformed lines are skipped: ignore_errors).
  lines  every line read whole as text (read_csv, as the project does) and parsed with
         from_json into a typed struct: the project's reading method, without the rest.

Usage::

    python bench/baseline.py --raw DIR --seeds seeds --config examples/demo_company/config
        --db OUT.duckdb [--reader json|lines]
        [--threads N] [--json]

Prints one JSON object: seconds per step, rows, totals (for comparing with the dbt build).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb

# the generator's API keys and features are the demo company's
DEMO_CONFIG = str(Path(__file__).resolve().parents[1] / "examples" / "demo_company" / "config")

PRICE_TYPES = {
    "provider": "VARCHAR", "model": "VARCHAR", "effective_from": "DATE", "effective_to": "DATE",
    "input_usd_per_mtok": "DOUBLE", "cache_read_usd_per_mtok": "DOUBLE",
    "cache_write_usd_per_mtok": "DOUBLE", "output_usd_per_mtok": "DOUBLE",
    "long_context_threshold_tokens": "BIGINT", "input_above_threshold_usd_per_mtok": "DOUBLE",
    "cache_read_above_threshold_usd_per_mtok": "DOUBLE",
    "cache_write_above_threshold_usd_per_mtok": "DOUBLE",
    "output_above_threshold_usd_per_mtok": "DOUBLE", "batch_multiplier": "DOUBLE",
    "flex_multiplier": "DOUBLE", "priority_multiplier": "DOUBLE", "price_source": "VARCHAR",
}

# The payload fields the baseline needs, typed: the struct both readers produce.
PAYLOAD_COLUMNS = {
    "id": "VARCHAR",
    "custom_llm_provider": "VARCHAR",
    "model": "VARCHAR",
    "startTime": "DOUBLE",
    "call_type": "VARCHAR",
    "response_cost": "DOUBLE",
    "prompt_tokens": "BIGINT",
    "completion_tokens": "BIGINT",
    "request_tags": "VARCHAR[]",
    "cost_breakdown": "STRUCT(service_tier VARCHAR)",
    "metadata": (
        "STRUCT(user_api_key_alias VARCHAR, spend_logs_metadata STRUCT(feature VARCHAR), "
        "usage_object STRUCT(cache_creation_input_tokens BIGINT, "
        "prompt_tokens_details STRUCT(cached_tokens BIGINT, cache_creation_tokens BIGINT)))"
    ),
}


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _struct_literal(columns: dict[str, str]) -> str:
    return "{" + ", ".join(f"{_sql_str(k)}: {_sql_str(v)}" for k, v in columns.items()) + "}"


def _json_type(duck_type: str) -> str:
    """A DuckDB type as from_json's JSON structure argument spells it."""
    if duck_type.endswith("[]"):
        return "[" + _json_type(duck_type[:-2]) + "]"
    if duck_type.startswith("STRUCT("):
        inner = duck_type[len("STRUCT("):-1]
        fields, depth, start = [], 0, 0
        for i, ch in enumerate(inner):
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif ch == "," and depth == 0:
                fields.append(inner[start:i].strip())
                start = i + 1
        fields.append(inner[start:].strip())
        parts = []
        for field in fields:
            name, typ = field.split(" ", 1)
            parts.append(f'"{name}": {_json_type(typ.strip())}')
        return "{" + ", ".join(parts) + "}"
    return f'"{duck_type}"'


def source_sql(raw_dir: str, reader: str) -> str:
    """A relation with one row per delivered line and the PAYLOAD_COLUMNS as columns."""
    glob = str(Path(raw_dir) / "litellm" / "**" / "*.jsonl*")
    if reader == "json":
        return (
            f"select * from read_json({_sql_str(glob)}, format = 'newline_delimited', "
            f"columns = {_struct_literal(PAYLOAD_COLUMNS)}, ignore_errors = true)"
        )
    if reader == "lines":
        payload_type = "{" + ", ".join(
            f'"{k}": {_json_type(v)}' for k, v in PAYLOAD_COLUMNS.items()) + "}"
        return (
            "select unnest(try(from_json(raw_line, " + _sql_str(payload_type) + "))) from "
            f"read_csv({_sql_str(glob)}, columns = {{'raw_line': 'VARCHAR'}}, "
            "delim = chr(30) || chr(31), quote = '', escape = '', header = false, "
            "auto_detect = false, max_line_size = 67108864) where raw_line is not null"
        )
    raise ValueError(f"unknown reader {reader!r}")


def baseline_sql(raw_dir: str, seeds_dir: str, reader: str, config_dir: str = DEMO_CONFIG) -> str:
    prices = str(Path(seeds_dir) / "model_prices.csv")
    api_keys = str(Path(config_dir) / "api_keys.csv")
    return f"""
create or replace table baseline_feature_day as
with
deliveries as ({source_sql(raw_dir, reader)}),
-- one delivery per request id (re-deliveries are byte-identical copies)
requests as (
    select id, any_value(columns(* exclude (id)))
    from deliveries
    where id is not null and startTime is not null
    group by id
),
prices as (
    select * from read_csv({_sql_str(prices)}, header = true, auto_detect = false,
        columns = {_struct_literal(PRICE_TYPES)})
),
priced_models as (select distinct provider, model from prices),
shaped as (
    select
        lower(r.custom_llm_provider) as provider,
        lower(r.model) as model,
        regexp_replace(lower(r.model), '-(\\d{{4}}-\\d{{2}}-\\d{{2}}|\\d{{8}})$', '') as base_model,
        make_timestamp(cast(round(r.startTime * 1000000) as bigint)) as requested_at,
        coalesce(r.cost_breakdown.service_tier,
            case when r.call_type like '%batch%' then 'batch' end) as service_tier,
        coalesce(r.metadata.usage_object.prompt_tokens_details.cached_tokens, 0) as cache_read,
        coalesce(r.metadata.usage_object.cache_creation_input_tokens,
            r.metadata.usage_object.prompt_tokens_details.cache_creation_tokens, 0) as cache_write,
        r.prompt_tokens, r.completion_tokens, r.response_cost,
        coalesce(
            nullif(substr(list_filter(r.request_tags, lambda t: starts_with(t, 'feature:'))[1], 9), ''),
            r.metadata.spend_logs_metadata.feature,
            k.default_feature,
            'unattributed') as feature
    from requests as r
    left join read_csv({_sql_str(api_keys)}, header = true, all_varchar = true) as k
        on r.metadata.user_api_key_alias = k.api_key_alias
),
keyed as (
    select s.*, coalesce(exact.model, base.model) as priced_as
    from shaped as s
    left join priced_models as exact on s.provider = exact.provider and s.model = exact.model
    left join priced_models as base on s.provider = base.provider and s.base_model = base.model
),
rated as (
    select
        k.*,
        k.prompt_tokens - k.cache_read - k.cache_write as input_tokens,
        coalesce(p.long_context_threshold_tokens is not null
            and k.prompt_tokens > p.long_context_threshold_tokens, false) as lc,
        case k.service_tier
            when 'batch' then coalesce(p.batch_multiplier, 1)
            when 'flex' then coalesce(p.flex_multiplier, 1)
            when 'priority' then coalesce(p.priority_multiplier, 1)
            else 1 end as mult,
        p.*
    from keyed as k
    left join prices as p
        on k.provider = p.provider and k.priced_as = p.model
        and k.requested_at >= p.effective_from
        and (p.effective_to is null or k.requested_at < p.effective_to)
),
costed as (
    select
        feature,
        cast(requested_at as date) as requested_date,
        prompt_tokens + completion_tokens as tokens,
        response_cost,
        mult * (
            input_tokens * (case when lc then coalesce(input_above_threshold_usd_per_mtok,
                input_usd_per_mtok) else input_usd_per_mtok end)
            + cache_read * (case when lc then coalesce(cache_read_above_threshold_usd_per_mtok,
                cache_read_usd_per_mtok, input_above_threshold_usd_per_mtok, input_usd_per_mtok)
                else coalesce(cache_read_usd_per_mtok, input_usd_per_mtok) end)
            + cache_write * (case when lc then coalesce(cache_write_above_threshold_usd_per_mtok,
                cache_write_usd_per_mtok, input_above_threshold_usd_per_mtok, input_usd_per_mtok)
                else coalesce(cache_write_usd_per_mtok, input_usd_per_mtok) end)
            + completion_tokens * (case when lc then coalesce(output_above_threshold_usd_per_mtok,
                output_usd_per_mtok) else output_usd_per_mtok end)
        ) / 1e6 as list_cost_usd
    from rated
)
select
    requested_date,
    feature,
    count(*) as requests,
    sum(tokens) as tokens,
    sum(list_cost_usd) as list_cost_usd,
    sum(response_cost) as gateway_cost_usd,
    count(*) - count(list_cost_usd) as unpriced_requests
from costed
group by all
"""


def run(raw_dir: str, seeds_dir: str, db_path: str, reader: str = "json",
        threads: int | None = None, config_dir: str = DEMO_CONFIG) -> dict:
    db = Path(db_path)
    for p in (db, db.with_name(db.name + ".wal")):
        if p.exists():
            p.unlink()
    result: dict = {"reader": reader}
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    if threads:
        con.execute(f"set threads = {int(threads)}")
    result["threads"] = con.execute("select current_setting('threads')").fetchone()[0]
    t1 = time.perf_counter()
    con.execute(baseline_sql(raw_dir, seeds_dir, reader, config_dir))
    t2 = time.perf_counter()
    con.close()
    t3 = time.perf_counter()
    result["seconds_query"] = round(t2 - t1, 3)
    result["seconds_total"] = round(t3 - t0, 3)
    with duckdb.connect(str(db), read_only=True) as ro:
        rows, requests, cost, gateway, unpriced = ro.execute(
            "select count(*), sum(requests), sum(list_cost_usd), sum(gateway_cost_usd), "
            "sum(unpriced_requests) from baseline_feature_day").fetchone()
    result.update(output_rows=rows, requests=int(requests or 0), list_cost_usd=float(cost or 0),
                  gateway_cost_usd=float(gateway or 0), unpriced_requests=int(unpriced or 0))
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--raw", required=True, help="landing folder (holds litellm/)")
    p.add_argument("--seeds", default=str(Path(__file__).resolve().parents[1] / "seeds"),
                   help="folder with model_prices.csv (default: the project's)")
    p.add_argument("--config", default=DEMO_CONFIG,
                   help="configuration folder with api_keys.csv (default: the demo company's,"
                        " whose keys the generator uses)")
    p.add_argument("--db", required=True, help="DuckDB file to write (replaced)")
    p.add_argument("--reader", choices=("json", "lines"), default="json")
    p.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all)")
    p.add_argument("--print-sql", action="store_true", help="print the statement and exit")
    args = p.parse_args(argv)
    if args.print_sql:
        print(baseline_sql(args.raw, args.seeds, args.reader, args.config))
        return 0
    print(json.dumps(run(args.raw, args.seeds, args.db, args.reader, args.threads, args.config)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
