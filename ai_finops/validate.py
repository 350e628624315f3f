"""The landing gate: great-expectations suites run on every landing batch before dbt builds it.

Usage::

    python -m ai_finops.validate [--raw-dir DIR] [--severity warn|error] [--report-dir reports]
        [--max-rows-per-file 100000] [--new-only] [--source litellm --source otel]

For each source (a :class:`Source`: LiteLLM today, OpenTelemetry when its landing folder has
files) the gate reads every landing file below ``<raw-dir>/<source>/``, one file at a time, into
a narrow table of the fields the checks need (DuckDB does the JSON work; message content is
never selected), and runs the source's expectation suite on each file as one GX batch, with
great-expectations' pandas datasource. Checks that span the landing batch (an id delivered
twice, the same id with different content) are computed over all files of the run first.

It writes ``<report-dir>/landing_gate.html`` (a page a person can read: every failed
expectation with its file, its line numbers and, where safe, the offending values) and
``landing_gate.json`` beside it. It never writes, moves or deletes a landing file.

Severity: every expectation is ``critical`` (the build would quarantine, drop from the bill or
misprice the record) or ``warning`` (the build handles it, but someone upstream should know).
``--severity warn`` (default) reports and exits 0; ``--severity error`` exits 1 when a critical
expectation failed.

Bounded: ``--max-rows-per-file`` (default 100,000) validates the first N records of each file
and says so in the report; ``--new-only`` validates only files not validated before (state in
``<report-dir>/landing_gate_state.json``), so a daily run costs what the day's files cost.

Adding a source: write its row SQL (one row per record, over a relation ``lines`` of
(source_file, line_number, raw_line, has_invalid_utf8)) and its expectations, and append a
:class:`Source` to :data:`SOURCES`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import html
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ai_finops.duckdb_plugin import check_landing_file, iter_landing_lines

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MAX_ROWS_PER_FILE = 100_000
# A customer or end-user id is an identifier: letters, digits and a few separators. Quotes,
# spaces, SQL keywords or an "@" (an e-mail address: personal data in a mart) are a caller's bug.
CUSTOMER_ID_PATTERN = r"^[A-Za-z0-9_.:/-]{1,128}$"
# OpenTelemetry GenAI semantic-convention provider names (gen_ai.provider.name / gen_ai.system).
OTEL_PROVIDERS = (
    "openai", "anthropic", "gcp.gemini", "gcp.vertex_ai", "gcp.gen_ai", "aws.bedrock",
    "azure.ai.openai", "azure.ai.inference", "mistral_ai", "cohere", "groq", "deepseek",
    "x_ai", "perplexity", "ibm.watsonx.ai",
)


@dataclass
class GateConfig:
    """Thresholds shared with the dbt build (dbt_project.yml vars) and the price seed."""

    now: float
    future_tolerance_hours: float
    earliest_request_seconds: float
    max_plausible_tokens: int
    max_line_bytes: int
    priced_models: set[tuple[str, str]]

    @property
    def providers(self) -> list[str]:
        return sorted({p for p, _ in self.priced_models})


@dataclass
class Source:
    """One landing source: how to read its records and what to expect of them."""

    name: str
    # SQL over relation `lines` (source_file, line_number, raw_line, has_invalid_utf8):
    # one row per record, with source_file, line_number and `record_key` (the id to de-duplicate
    # on) and `content_hash` (equal for two deliveries that say the same thing).
    rows_sql: Callable[[GateConfig], str]
    expectations: Callable[[GateConfig], list]
    # columns that locate a record in the report (the unexpected index)
    locator: list[str] = field(default_factory=lambda: ["source_file", "line_number"])
    # expectation columns whose values may be shown in the report (never message content)
    hidden_value_columns: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# LiteLLM: one StandardLoggingPayload per line
# ---------------------------------------------------------------------------------------------

def _number_kind(expr: str) -> str:
    """SQL: how a JSON value holds a token count: integer, missing, fraction or not_a_number."""
    return f"""case
            when coalesce(json_type({expr}), 'NULL') = 'NULL' then 'missing'
            when json_type({expr}) in ('UBIGINT', 'BIGINT') then 'integer'
            when json_type({expr}) = 'DOUBLE' and cast({expr} as double) = floor(cast({expr} as double))
                then 'integer'
            when json_type({expr}) = 'DOUBLE' then 'fraction'
            else 'not_a_number'
        end"""


def _number(expr: str) -> str:
    return (f"case when json_type({expr}) in ('UBIGINT', 'BIGINT', 'DOUBLE') "
            f"then cast({expr} as double) end")


def litellm_rows_sql(cfg: GateConfig) -> str:
    """One row per line. Checks that do not apply to a line (not JSON) are NULL, which every
    column expectation skips, so that one bad line is reported once, by the right check."""
    payload_type = json.dumps({
        "id": "JSON", "custom_llm_provider": "VARCHAR", "model": "VARCHAR",
        "startTime": "JSON", "response_cost": "JSON",
        "prompt_tokens": "JSON", "completion_tokens": "JSON",
        "request_tags": "JSON", "end_user": "VARCHAR",
        "metadata": {
            "user_api_key_end_user_id": "VARCHAR",
            "usage_object": {
                "cache_creation_input_tokens": "DOUBLE",
                "prompt_tokens_details": {"cached_tokens": "DOUBLE",
                                          "cache_creation_tokens": "DOUBLE"},
                "completion_tokens_details": {"reasoning_tokens": "DOUBLE"},
            },
        },
    })
    return f"""
    with parsed as (
        select
            source_file,
            line_number,
            octet_length(encode(coalesce(raw_line, ''))) as line_bytes,
            has_invalid_utf8,
            raw_line is null or trim(raw_line) = '' as is_blank,
            case
                when left(ltrim(raw_line), 1) = '{{' then try(from_json(raw_line, '{payload_type}'))
            end as p
        from lines
    ),

    fields as (
        select
            source_file,
            line_number,
            line_bytes,
            has_invalid_utf8,
            is_blank,
            case when not is_blank then p is not null end as is_json_object,
            p,
            case when json_type(p.id) = 'VARCHAR' then nullif(trim(p.id ->> '$'), '')
                 when json_type(p.id) in ('UBIGINT', 'BIGINT') then p.id ->> '$' end as record_key,
            {_number("p.starttime")} as start_time_raw,
            lower(nullif(trim(p.custom_llm_provider), '')) as provider,
            lower(nullif(trim(p.model), '')) as model,
            coalesce(p.metadata.usage_object.prompt_tokens_details.cached_tokens, 0)
                as cache_read_tokens,
            coalesce(p.metadata.usage_object.cache_creation_input_tokens,
                     p.metadata.usage_object.prompt_tokens_details.cache_creation_tokens, 0)
                as cache_write_tokens,
            coalesce(p.metadata.usage_object.completion_tokens_details.reasoning_tokens, 0)
                as reasoning_tokens,
            {_number("p.prompt_tokens")} as prompt_tokens,
            {_number("p.completion_tokens")} as completion_tokens,
            case when json_type(p.request_tags) = 'ARRAY'
                then try_cast(p.request_tags as varchar[]) end as tags
        from parsed
    ),

    priced_keys as (
        select
            *,
            -- the price seed's key: no provider prefix; a dated snapshot also as its base model
            case when model like provider || '/%' then substr(model, length(provider) + 2)
                 else model end as unprefixed_model
        from fields
    ),

    priced as (
        select
            priced_keys.*,
            exact.model is not null as is_priced_exactly,
            base.model is not null as is_base_priced
        from priced_keys
        left join priced_models as exact
            on priced_keys.provider = exact.provider and priced_keys.unprefixed_model = exact.model
        left join priced_models as base
            on priced_keys.provider = base.provider
            and regexp_replace(priced_keys.unprefixed_model, '-(\\d{{4}}-\\d{{2}}-\\d{{2}}|\\d{{8}})$', '')
                = base.model
    )

    select
        source_file,
        line_number,
        line_bytes,
        has_invalid_utf8,
        is_blank,
        is_json_object,
        record_key,
        case when p is not null then record_key is not null end as has_id,
        -- time: epoch seconds; milliseconds and microseconds are recognised (and reported)
        case when p is null then null
             when start_time_raw is not null then 'number'
             when coalesce(json_type(p.starttime), 'NULL') = 'NULL' then 'missing'
             else 'not_a_number' end as start_time_kind,
        case when start_time_raw >= 1e14 then 'us' when start_time_raw >= 1e11 then 'ms'
             when start_time_raw is not null then 's' end as time_unit,
        case when start_time_raw >= 1e14 then start_time_raw / 1e6
             when start_time_raw >= 1e11 then start_time_raw / 1e3
             else start_time_raw end as start_time_seconds,
        -- what ran
        provider,
        model,
        case when p is not null then provider is not null end as has_provider,
        case when p is not null then model is not null end as has_model,
        case when provider is not null and model is not null then
            is_priced_exactly or is_base_priced end as is_model_priced,
        -- tokens
        case when p is not null then {_number_kind("p.prompt_tokens")} end as prompt_tokens_kind,
        case when p is not null then {_number_kind("p.completion_tokens")} end
            as completion_tokens_kind,
        prompt_tokens,
        completion_tokens,
        case when p is not null then cache_read_tokens end as cache_read_tokens,
        case when p is not null then cache_write_tokens end as cache_write_tokens,
        case when p is not null then reasoning_tokens end as reasoning_tokens,
        cache_read_tokens + cache_write_tokens <= prompt_tokens
            and reasoning_tokens <= completion_tokens as is_token_breakdown_consistent,
        -- cost and context
        case when p is not null then coalesce(json_type(p.response_cost), 'NULL') end
            as response_cost_type,
        {_number("p.response_cost")} as response_cost,
        case when p is not null then coalesce(json_type(p.request_tags), 'NULL') end
            as request_tags_type,
        coalesce(p.metadata.user_api_key_end_user_id, p.end_user) as end_user_id,
        substr(list_filter(tags, lambda t: starts_with(t, 'customer:'))[1], 10) as tag_customer_id,
        case when p is not null then md5(cast([
            cast(p.id as varchar), p.custom_llm_provider, p.model, cast(p.starttime as varchar),
            cast(p.response_cost as varchar), cast(p.prompt_tokens as varchar),
            cast(p.completion_tokens as varchar), cast(p.request_tags as varchar),
            cast(p.metadata as varchar), p.end_user
        ] as varchar)) end as content_hash
    from priced
    """


def _expectations_module():
    import great_expectations.expectations as gxe

    return gxe


def _expectation(cls, severity: str, description: str, build: str, **kwargs):
    """A GX expectation with its severity, a sentence for people and what the build does."""
    return cls(severity=severity, description=description, meta={"build_outcome": build},
               **kwargs)


def file_expectations(cfg: GateConfig) -> list:
    """Expectations on the files of a landing batch (one row per file), for every source."""
    gxe = _expectations_module()
    e = _expectation
    return [
        e(gxe.ExpectColumnValuesToBeBetween, "warning",
          "The file holds at least one line.", "an empty file adds nothing (counted: 0 lines)",
          column="lines", min_value=1),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "The file could be read to its end (a damaged gzip stream loses the lines after the "
          "damage: re-deliver the file).", "lines before the damage are read, the rest is missing",
          column="is_file_complete", value_set=[True]),
        e(gxe.ExpectColumnValuesToBeInSet, "warning",
          "The file's name says how it is compressed (.jsonl.gz = gzip, .jsonl = plain).",
          "handled: read by the fallback reader", column="is_file_named_for_content",
          value_set=[True]),
    ]


def litellm_expectations(cfg: GateConfig) -> list:
    gxe = _expectations_module()
    e = _expectation
    max_tokens = cfg.max_plausible_tokens
    latest = cfg.now + cfg.future_tolerance_hours * 3600
    return [
        e(gxe.ExpectColumnValuesToBeInSet, "warning",
          "No blank lines.", "quarantined: blank_line", column="is_blank", value_set=[False]),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "Every non-blank line is one JSON object (a truncated or invalid line is not).",
          "quarantined: invalid_json", column="is_json_object", value_set=[True]),
        e(gxe.ExpectColumnValuesToBeInSet, "warning",
          "Lines are UTF-8 (invalid bytes are replaced by U+FFFD when read).",
          "handled; quarantined as invalid_utf8 only if the id, provider or model is hit",
          column="has_invalid_utf8", value_set=[False]),
        e(gxe.ExpectColumnValuesToBeBetween, "warning",
          f"Lines are at most var max_line_bytes ({cfg.max_line_bytes:,} bytes) long.",
          "handled: read by the fallback reader", column="line_bytes",
          max_value=cfg.max_line_bytes),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "Every record has an id (a string).", "quarantined: missing_id",
          column="has_id", value_set=[True]),
        e(gxe.ExpectColumnValuesToBeBetween, "critical",
          "An id delivered more than once always carries the same content.",
          "conflict: the first delivery is billed, the others are listed in "
          "rpt_request_delivery_conflicts", column="id_versions", max_value=1),
        e(gxe.ExpectColumnValuesToBeBetween, "warning",
          "Ids are unique within the landing batch (at most 5% re-deliveries).",
          "duplicates counted once", column="id_deliveries", max_value=1, mostly=0.95),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "startTime is a number (epoch seconds).", "quarantined: unparseable_time",
          column="start_time_kind", value_set=["number"]),
        e(gxe.ExpectColumnValuesToBeInSet, "warning",
          "startTime is in seconds (milliseconds or microseconds are converted).",
          "handled: converted", column="time_unit", value_set=["s"]),
        e(gxe.ExpectColumnValuesToBeBetween, "critical",
          f"startTime is at most var future_tolerance_hours ({cfg.future_tolerance_hours:g} h) "
          "in the future.", "quarantined: time_in_future",
          column="start_time_seconds", max_value=latest),
        e(gxe.ExpectColumnValuesToBeBetween, "critical",
          "startTime is on or after var earliest_request_date "
          f"({dt.datetime.fromtimestamp(cfg.earliest_request_seconds, dt.UTC):%Y-%m-%d}).",
          "quarantined: time_before_start",
          column="start_time_seconds", min_value=cfg.earliest_request_seconds),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "Every record names its provider (custom_llm_provider).", "quarantined: missing_provider",
          column="has_provider", value_set=[True]),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "The provider is one the price seed knows.", "kept, unpriced: unpriced_model",
          column="provider", value_set=cfg.providers),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "Every record names its model.", "quarantined: missing_model",
          column="has_model", value_set=[True]),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "The price seed prices the model (or the base model of a dated snapshot).",
          "kept, unpriced: unpriced_model", column="is_model_priced", value_set=[True]),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "prompt_tokens is a whole JSON number.", "quarantined: missing_tokens / wrong_type",
          column="prompt_tokens_kind", value_set=["integer"]),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "completion_tokens is a whole JSON number.", "quarantined: missing_tokens / wrong_type",
          column="completion_tokens_kind", value_set=["integer"]),
        e(gxe.ExpectColumnValuesToBeBetween, "critical",
          f"prompt_tokens is between 0 and var max_plausible_tokens ({max_tokens:,}).",
          "quarantined: negative_tokens / implausible_tokens",
          column="prompt_tokens", min_value=0, max_value=max_tokens),
        e(gxe.ExpectColumnValuesToBeBetween, "critical",
          f"completion_tokens is between 0 and var max_plausible_tokens ({max_tokens:,}).",
          "quarantined: negative_tokens / implausible_tokens",
          column="completion_tokens", min_value=0, max_value=max_tokens),
        e(gxe.ExpectColumnValuesToBeBetween, "critical",
          "Cache-read token details are not negative.", "quarantined: negative_tokens",
          column="cache_read_tokens", min_value=0),
        e(gxe.ExpectColumnValuesToBeBetween, "critical",
          "Cache-write token details are not negative.", "quarantined: negative_tokens",
          column="cache_write_tokens", min_value=0),
        e(gxe.ExpectColumnValuesToBeBetween, "critical",
          "Reasoning token details are not negative.", "quarantined: negative_tokens",
          column="reasoning_tokens", min_value=0),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "Cached tokens fit in prompt_tokens and reasoning tokens in completion_tokens.",
          "quarantined: inconsistent_tokens",
          column="is_token_breakdown_consistent", value_set=[True]),
        e(gxe.ExpectColumnValuesToBeInSet, "warning",
          "response_cost is a number (or absent).", "gateway cost NULL",
          column="response_cost_type", value_set=["UBIGINT", "BIGINT", "DOUBLE", "NULL"]),
        e(gxe.ExpectColumnValuesToBeBetween, "warning",
          "response_cost is not negative.", "kept as logged", column="response_cost", min_value=0),
        e(gxe.ExpectColumnValuesToBeInSet, "warning",
          'request_tags is a list of "key:value" strings.',
          "handled: a string or an object is read as a list",
          column="request_tags_type", value_set=["ARRAY", "NULL"]),
        e(gxe.ExpectColumnValuesToMatchRegex, "warning",
          "End-user ids are plain identifiers (no quotes, spaces, SQL or e-mail addresses).",
          "kept verbatim (never executed); an e-mail address would be personal data in a mart",
          column="end_user_id", regex=CUSTOMER_ID_PATTERN),
        e(gxe.ExpectColumnValuesToMatchRegex, "warning",
          "customer: tags are plain identifiers (no quotes, spaces, SQL or e-mail addresses).",
          "kept verbatim (never executed)", column="tag_customer_id", regex=CUSTOMER_ID_PATTERN),
    ]


# ---------------------------------------------------------------------------------------------
# OpenTelemetry: one OTLP/JSON ExportTraceServiceRequest per line, many spans per line
# ---------------------------------------------------------------------------------------------

def otel_rows_sql(cfg: GateConfig) -> str:
    """One row per span (a line without spans keeps one row, span_index NULL)."""
    attrs = ('[{"key": "VARCHAR", "value": {"stringValue": "VARCHAR", "intValue": "JSON", '
             '"doubleValue": "DOUBLE", "boolValue": "BOOLEAN"}}]')
    payload_type = ('{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "VARCHAR", '
                    '"spanId": "VARCHAR", "startTimeUnixNano": "VARCHAR", '
                    f'"attributes": {attrs}}}]}}]}}]}}')

    def attr(key: str, part: str = "stringValue") -> str:
        return f"list_filter(s.attributes, lambda a: a.key = '{key}')[1].value.{part}"

    def tokens(key: str) -> str:
        # OTLP/JSON writes intValue as a string ("179"); a number is accepted too
        return f"try_cast({attr(key, 'intValue')} ->> '$' as double)"

    genai = "len(list_filter(s.attributes, lambda a: starts_with(a.key, 'gen_ai.'))) > 0"
    return f"""
    with parsed as (
        select
            source_file,
            line_number,
            octet_length(encode(coalesce(raw_line, ''))) as line_bytes,
            has_invalid_utf8,
            raw_line is null or trim(raw_line) = '' as is_blank,
            case when left(ltrim(raw_line), 1) = '{{'
                then try(from_json(raw_line, '{payload_type}')) end as p
        from lines
    ),

    spans as (
        select
            *,
            case when not is_blank then p is not null and p.resourcespans is not null end
                as is_json_object,
            flatten(list_transform(p.resourcespans, lambda rs: flatten(list_transform(
                rs.scopespans, lambda ss: ss.spans)))) as span_list
        from parsed
    ),

    unnested as (
        select
            * exclude (span_list, p),
            unnest(case when len(span_list) > 0 then span_list else [null] end) as s,
            unnest(case when len(span_list) > 0 then range(1, len(span_list) + 1) else [null] end)
                as span_index
        from spans
    )

    select
        source_file,
        line_number,
        span_index,
        line_bytes,
        has_invalid_utf8,
        is_blank,
        is_json_object,
        s.traceid || '/' || s.spanid as record_key,
        case when span_index is not null then s.spanid is not null and s.traceid is not null end
            as has_span_ids,
        case when span_index is not null then
            case when try_cast(s.starttimeunixnano as hugeint) is not null then 'number'
                 when s.starttimeunixnano is null then 'missing' else 'not_a_number' end
        end as start_time_kind,
        try_cast(s.starttimeunixnano as hugeint) / 1e9 as start_time_seconds,
        lower(coalesce({attr('gen_ai.provider.name')}, {attr('gen_ai.system')})) as provider,
        lower(coalesce({attr('gen_ai.response.model')}, {attr('gen_ai.request.model')})) as model,
        case when {genai} then
            coalesce({attr('gen_ai.provider.name')}, {attr('gen_ai.system')}) is not null
        end as has_provider,
        case when {genai} then
            coalesce({attr('gen_ai.response.model')}, {attr('gen_ai.request.model')}) is not null
        end as has_model,
        {tokens('gen_ai.usage.input_tokens')} as input_tokens,
        {tokens('gen_ai.usage.output_tokens')} as output_tokens,
        case when span_index is not null then md5(cast(s as varchar)) end as content_hash
    from unnested
    """


def otel_expectations(cfg: GateConfig) -> list:
    gxe = _expectations_module()
    e = _expectation
    max_tokens = cfg.max_plausible_tokens
    latest = cfg.now + cfg.future_tolerance_hours * 3600
    return [
        e(gxe.ExpectColumnValuesToBeInSet, "warning",
          "No blank lines.", "quarantined: blank_line", column="is_blank", value_set=[False]),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "Every non-blank line is one OTLP/JSON trace export (an object with resourceSpans).",
          "quarantined: invalid_json / not_otlp_traces", column="is_json_object",
          value_set=[True]),
        e(gxe.ExpectColumnValuesToBeInSet, "warning",
          "Lines are UTF-8 (invalid bytes are replaced by U+FFFD when read).",
          "handled: invalid bytes replaced", column="has_invalid_utf8", value_set=[False]),
        e(gxe.ExpectColumnValuesToBeBetween, "warning",
          f"Lines are at most var max_line_bytes ({cfg.max_line_bytes:,} bytes) long.",
          "handled: read by the fallback reader", column="line_bytes",
          max_value=cfg.max_line_bytes),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "Every span has a traceId and a spanId.", "quarantined",
          column="has_span_ids", value_set=[True]),
        e(gxe.ExpectColumnValuesToBeBetween, "critical",
          "A span exported more than once always carries the same content.",
          "conflict: the first delivery is kept", column="id_versions", max_value=1),
        e(gxe.ExpectColumnValuesToBeBetween, "warning",
          "Spans are unique within the landing batch (at most 5% re-exports).",
          "duplicates counted once", column="id_deliveries", max_value=1, mostly=0.95),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "startTimeUnixNano is an integer (nanoseconds).", "quarantined",
          column="start_time_kind", value_set=["number"]),
        e(gxe.ExpectColumnValuesToBeBetween, "critical",
          f"Spans start at most var future_tolerance_hours ({cfg.future_tolerance_hours:g} h) "
          "in the future.", "quarantined: time_in_future",
          column="start_time_seconds", max_value=latest),
        e(gxe.ExpectColumnValuesToBeBetween, "critical",
          "Spans start on or after var earliest_request_date "
          f"({dt.datetime.fromtimestamp(cfg.earliest_request_seconds, dt.UTC):%Y-%m-%d}).",
          "quarantined: time_before_start",
          column="start_time_seconds", min_value=cfg.earliest_request_seconds),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "GenAI spans name their provider (gen_ai.provider.name or gen_ai.system).",
          "quarantined: missing_provider", column="has_provider", value_set=[True]),
        e(gxe.ExpectColumnValuesToBeInSet, "warning",
          "The provider is a GenAI semantic-convention name or one the price seed knows.",
          "may be unpriced", column="provider",
          value_set=sorted(set(OTEL_PROVIDERS) | set(cfg.providers))),
        e(gxe.ExpectColumnValuesToBeInSet, "critical",
          "GenAI spans name their model.", "quarantined: missing_model",
          column="has_model", value_set=[True]),
        e(gxe.ExpectColumnValuesToBeBetween, "critical",
          f"Input tokens are between 0 and var max_plausible_tokens ({max_tokens:,}).",
          "quarantined: negative_tokens / implausible_tokens",
          column="input_tokens", min_value=0, max_value=max_tokens),
        e(gxe.ExpectColumnValuesToBeBetween, "critical",
          f"Output tokens are between 0 and var max_plausible_tokens ({max_tokens:,}).",
          "quarantined: negative_tokens / implausible_tokens",
          column="output_tokens", min_value=0, max_value=max_tokens),
    ]


SOURCES: dict[str, Source] = {
    "litellm": Source("litellm", litellm_rows_sql, litellm_expectations,
                      hidden_value_columns=("end_user_id", "tag_customer_id")),
    "otel": Source("otel", otel_rows_sql, otel_expectations,
                   locator=["source_file", "line_number", "span_index"]),
}
# Records per GX batch: GX costs ~0.7 s per run plus ~0.6 s per 100,000 records, and a batch
# of 100,000 narrow records is ~50 MB of pandas.
RECORDS_PER_GX_BATCH = 100_000
# DuckDB holds the narrow records of the whole batch (~300 bytes each); above this it spills
# to a temporary folder, so memory stays bounded however large the landing is.
DUCKDB_MEMORY_LIMIT = "1GB"


# ---------------------------------------------------------------------------------------------
# Reading the landing batch
# ---------------------------------------------------------------------------------------------

@dataclass
class FileResult:
    source: str
    path: str
    size_bytes: int
    lines: int = 0
    records_validated: int = 0
    capped: bool = False
    problems: str = ""
    failures: list[dict] = field(default_factory=list)


def landing_files(raw_dir: Path, source: str) -> list[Path]:
    folder = raw_dir / source
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and (p.name.endswith(".jsonl") or p.name.endswith(".jsonl.gz")))


def _fast_lines_sql(path: str, max_line_bytes: int) -> str:
    quoted = path.replace("'", "''")
    return f"""
        select '{quoted}' as source_file, row_number() over () as line_number, raw_line,
               false as has_invalid_utf8
        from read_csv('{quoted}', columns = {{'raw_line': 'VARCHAR'}}, delim = chr(30) || chr(31),
                      quote = '', escape = '', header = false, auto_detect = false,
                      max_line_size = {max_line_bytes})
    """


def _load_file(con: duckdb.DuckDBPyConnection, source: Source, cfg: GateConfig, path: Path,
               cap: int, result: FileResult) -> None:
    """Append the records of the file's first `cap` lines to table records_<source>.

    DuckDB's fast line reader first (the build's); when it cannot read the file, the build's
    fallback reader (invalid bytes replaced, any line length, damaged gzip read up to the
    damage), and the problems found are recorded.
    """
    fast = _fast_lines_sql(str(path), cfg.max_line_bytes)
    try:
        con.execute(f"create or replace temp table lines as "
                    f"select * from ({fast}) where line_number <= {cap}")
        result.lines = con.execute("select count(*) from lines").fetchone()[0]
        if result.lines == cap:  # the cap was reached: count the rest, without parsing it
            result.lines = con.execute(f"select count(*) from ({fast})").fetchone()[0]
    except duckdb.Error:
        result.problems = check_landing_file(str(path), cfg.max_line_bytes)
        kept, total = [], 0
        for number, text, bad in iter_landing_lines(str(path)):
            total += 1
            if number <= cap:
                kept.append((str(path), number, text, bad))
        result.lines = total
        con.execute("create or replace temp table lines (source_file varchar, "
                    "line_number bigint, raw_line varchar, has_invalid_utf8 boolean)")
        if kept:
            con.executemany("insert into lines values (?, ?, ?, ?)", kept)
    result.capped = result.lines > cap
    table = f"records_{source.name}"
    select = f"select * from ({source.rows_sql(cfg)})"
    if con.execute("select count(*) from duckdb_tables() where table_name = ?",
                   [table]).fetchone()[0]:
        con.execute(f"insert into {table} by name {select}")
    else:
        con.execute(f"create temp table {table} as {select}")
    result.records_validated = con.execute(
        f"select count(*) from {table} where source_file = ?", [str(path)]).fetchone()[0]


# ---------------------------------------------------------------------------------------------
# Running the suites
# ---------------------------------------------------------------------------------------------

def _gx_context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False,
                                                         metric_calculations=False)
    return gx, context


def _jsonable(value):
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing values
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _severity(config) -> str:
    return str(getattr(config.severity, "value", config.severity))


class _Validator:
    """One GX suite and validation definition, run on pandas batches of one kind."""

    def __init__(self, gx, context, name: str, expectations: list, locator: list[str],
                 hidden_value_columns: tuple[str, ...] = ()):
        suite = gx.ExpectationSuite(name=name)
        for expectation in expectations:
            suite.add_expectation(expectation)
        suite = context.suites.add(suite)
        batch_definition = (context.data_sources.add_pandas(name)
                            .add_dataframe_asset(f"{name}_batches")
                            .add_batch_definition_whole_dataframe("batch"))
        self.validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite))
        self.locator = locator
        self.hidden = hidden_value_columns

    def run(self, frame, results: dict[str, FileResult]) -> None:
        """Validate one batch; file every unexpected row under its file's result."""
        outcome = self.validation.run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "COMPLETE",
                           "unexpected_index_column_names": self.locator,
                           "return_unexpected_index_query": False})
        for checked in outcome.results:
            if checked.success:
                continue
            config = checked.expectation_config
            column = config.kwargs.get("column")
            per_file: dict[str, list] = {}
            for entry in checked.result.get("unexpected_index_list") or []:
                per_file.setdefault(entry["source_file"], []).append(entry)
            for path, entries in per_file.items():
                show = column not in self.hidden
                rows = []
                for entry in entries[:20]:
                    row = {k: _jsonable(entry.get(k)) for k in self.locator if k != "source_file"}
                    if show and column in entry:
                        row["value"] = _jsonable(entry[column])
                    rows.append(row)
                results[path].failures.append({
                    "expectation": config.type,
                    "column": column,
                    "severity": _severity(config),
                    "description": config.description,
                    "build_outcome": (config.meta or {}).get("build_outcome"),
                    "unexpected_count": len(entries),
                    "rows": rows,
                    "values_hidden": not show,
                })


def _frames(con: duckdb.DuckDBPyConnection, name: str, size: int):
    """The records of a source in landing order, in pandas frames of at most `size` rows, with
    the batch-wide checks joined on, and low-cardinality text as categories (a path repeated
    100,000 times is one string, not 100,000). Ids and content hashes stay in DuckDB."""
    total = con.execute(f"select max(rowid) + 1 from records_{name}").fetchone()[0] or 0
    for start in range(0, total, size):
        frame = con.execute(f"""
            select
                r.* exclude (record_key, content_hash),
                case when r.record_key is not null then coalesce(k.deliveries, 1) end
                    as id_deliveries,
                case when r.record_key is not null then coalesce(k.versions, 1) end
                    as id_versions
            from records_{name} as r
            left join keys_{name} as k on r.record_key = k.record_key
            where r.rowid >= {start} and r.rowid < {start + size}
            order by r.rowid
        """).df()
        for column in frame.columns:
            if frame[column].dtype == object and column not in ("end_user_id", "tag_customer_id"):
                frame[column] = frame[column].astype("category")
        yield frame


def run_gate(raw_dir: Path, *, sources: list[str] | None = None,
             max_rows_per_file: int = DEFAULT_MAX_ROWS_PER_FILE, new_only: bool = False,
             report_dir: Path | None = None, cfg: GateConfig | None = None) -> dict:
    """Validate the landing batch below ``raw_dir``; write the report and return it."""
    started = time.perf_counter()
    cfg = cfg or load_config()
    report_dir = report_dir or ROOT / "reports"
    state_path = report_dir / "landing_gate_state.json"
    state = json.loads(state_path.read_text()) if new_only and state_path.exists() else {}

    timing = {"start_gx": 0.0, "read_and_parse": 0.0, "validate": 0.0}
    mark = time.perf_counter()
    gx, context = _gx_context()
    timing["start_gx"] = time.perf_counter() - mark
    files_validator = _Validator(gx, context, "landing_files", file_expectations(cfg),
                                 ["source_file"])
    spill = tempfile.mkdtemp(prefix="landing_gate_")
    con = duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT, "temp_directory": spill})
    con.execute("create temp table priced_models (provider varchar, model varchar)")
    con.executemany("insert into priced_models values (?, ?)", sorted(cfg.priced_models))

    report = {
        "raw_dir": str(raw_dir),
        "generated_at": dt.datetime.fromtimestamp(cfg.now, dt.UTC).isoformat(timespec="seconds"),
        "max_rows_per_file": max_rows_per_file, "new_only": new_only, "sources": {},
        "skipped_unchanged_files": 0,
    }
    for name in sources or list(SOURCES):
        source = SOURCES[name]
        paths = landing_files(raw_dir, name)
        if new_only:
            fresh = [p for p in paths if state.get(str(p)) != _file_stamp(p)]
            report["skipped_unchanged_files"] += len(paths) - len(fresh)
            paths = fresh
        if not paths:
            continue
        results = {str(p): FileResult(name, str(p), p.stat().st_size) for p in paths}
        mark = time.perf_counter()
        for path in paths:
            _load_file(con, source, cfg, path, max_rows_per_file, results[str(path)])
        timing["read_and_parse"] += time.perf_counter() - mark
        mark = time.perf_counter()

        # the files, one row each
        import pandas as pd

        files_frame = pd.DataFrame([{
            "source_file": r.path, "lines": r.lines,
            "is_file_complete": "corrupt_gzip" not in r.problems,
            "is_file_named_for_content": not ({"not_gzip", "gzip_content"}
                                              & set(r.problems.split(","))),
        } for r in results.values()])
        files_validator.run(files_frame, results)

        # the records: deliveries and distinct contents per id over the whole landing batch,
        # then GX on batches of records in landing order
        con.execute(f"""
            create or replace temp table keys_{name} as
            select record_key, count(*) as deliveries, count(distinct content_hash) as versions
            from records_{name} where record_key is not null group by 1
        """)
        validator = _Validator(gx, context, f"{name}_landing", source.expectations(cfg),
                               source.locator, source.hidden_value_columns)
        for frame in _frames(con, name, RECORDS_PER_GX_BATCH):
            validator.run(frame, results)
        con.execute(f"drop table records_{name}")
        con.execute(f"drop table keys_{name}")
        timing["validate"] += time.perf_counter() - mark
        for r in results.values():
            state[r.path] = _file_stamp(Path(r.path))
        report["sources"][name] = [vars(r) for r in results.values()]

    failures = [x for files in report["sources"].values() for f in files for x in f["failures"]]
    report["critical_failures"] = sum(x["severity"] == "critical" for x in failures)
    report["warnings"] = len(failures) - report["critical_failures"]
    report["seconds"] = round(time.perf_counter() - started, 2)
    report["timing_seconds"] = {k: round(v, 2) for k, v in timing.items()}
    con.close()
    shutil.rmtree(spill, ignore_errors=True)
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "landing_gate.json").write_text(json.dumps(report, indent=2, default=str))
    (report_dir / "landing_gate.html").write_text(render_html(report))
    state_path.write_text(json.dumps(state, indent=1))
    return report


def _file_stamp(path: Path) -> list:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


# ---------------------------------------------------------------------------------------------
# Configuration and report
# ---------------------------------------------------------------------------------------------

def load_config(now: float | None = None) -> GateConfig:
    """Thresholds from dbt_project.yml vars and the priced models from the price seed."""
    import yaml

    project = yaml.safe_load((ROOT / "dbt_project.yml").read_text())
    dbt_vars = project.get("vars", {})
    with open(ROOT / "seeds" / "model_prices.csv", newline="", encoding="utf-8") as f:
        priced = {(r["provider"].strip().lower(), r["model"].strip().lower())
                  for r in csv.DictReader(f)}
    return GateConfig(
        now=time.time() if now is None else now,
        future_tolerance_hours=float(dbt_vars.get("future_tolerance_hours", 24)),
        earliest_request_seconds=dt.datetime.fromisoformat(
            str(dbt_vars.get("earliest_request_date", "2020-01-01"))).replace(
            tzinfo=dt.UTC).timestamp(),
        max_plausible_tokens=int(dbt_vars.get("max_plausible_tokens", 10_000_000)),
        max_line_bytes=int(dbt_vars.get("max_line_bytes", 64 * 1024 * 1024)),
        priced_models=priced,
    )


CSS = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;"
    "padding:.25em .5em;text-align:left;vertical-align:top}.critical{color:#b00}"
    ".warning{color:#a60}.note{background:#ffd;padding:.5em}code{font-size:90%}"
)


def render_html(report: dict) -> str:
    esc = html.escape
    status = ("FAILED" if report["critical_failures"] else
              "PASSED with warnings" if report["warnings"] else "PASSED")
    out = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Landing gate</title><style>",
        CSS,
        "</style></head><body>",
        f"<h1>Landing gate: {esc(status)}</h1>",
        (f"<p>Landing folder <code>{esc(report['raw_dir'])}</code>, validated "
         f"{esc(report['generated_at'])} in {report['seconds']} s with great-expectations. "
         f"{report['critical_failures']} critical failure(s), {report['warnings']} warning(s). "
         "Nothing was moved or deleted: the build quarantines or handles each finding as the "
         "last column says. Message content is never read into this report.</p>"),
    ]
    if report.get("skipped_unchanged_files"):
        out.append(f"<p class='note'>--new-only: {report['skipped_unchanged_files']} file(s) "
                   "validated before and unchanged were skipped; ids re-delivered across them "
                   "and this batch are not compared here (the build still de-duplicates).</p>")
    for source, files in report["sources"].items():
        out.append(f"<h2>{esc(source)}: {len(files)} file(s)</h2>")
        out.append("<table><tr><th>file</th><th>lines</th><th>records validated</th>"
                   "<th>read problems</th><th>failed expectations</th></tr>")
        for f in files:
            out.append(
                f"<tr><td><code>{esc(f['path'])}</code></td><td>{f['lines']:,}</td>"
                f"<td>{f['records_validated']:,}</td><td>{esc(f['problems'] or '-')}</td>"
                f"<td>{len(f['failures'])}</td></tr>")
        out.append("</table>")
        capped = [f for f in files if f["capped"]]
        if capped:
            out.append(f"<p class='note'>Row cap: only the first {report['max_rows_per_file']:,} "
                       f"lines of {len(capped)} file(s) were validated (--max-rows-per-file); "
                       "the build reads every line.</p>")
        for f in files:
            if not f["failures"]:
                continue
            out.append(f"<h3><code>{esc(f['path'])}</code></h3><table><tr><th>severity</th>"
                       "<th>expectation</th><th>unexpected</th><th>where (and the value)</th>"
                       "<th>what the build does</th></tr>")
            for x in sorted(f["failures"], key=lambda x: x["severity"] != "critical"):
                rows = "; ".join(_where(r) + (f": {r['value']!r}" if "value" in r else "")
                                 for r in x["rows"])
                if x["values_hidden"] and rows:
                    rows += " (values not shown)"
                total = x["unexpected_count"]
                more = (" ..." if isinstance(total, int) and total > len(x["rows"]) else "")
                out.append(
                    f"<tr><td class='{esc(x['severity'])}'>{esc(x['severity'])}</td>"
                    f"<td>{esc(x['description'] or '')}<br><code>{esc(x['expectation'])}"
                    f"({esc(str(x['column'] or ''))})</code></td><td>{esc(str(total))}</td>"
                    f"<td>{esc(rows)}{more}</td><td>{esc(x['build_outcome'] or '')}</td></tr>")
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def _where(row: dict) -> str:
    """'line 7', 'line 1 span 3', or 'the file' for a file-level finding."""
    parts = [f"{k.removesuffix('_number').removesuffix('_index')} {v}"
             for k, v in row.items() if k != "value" and v is not None]
    return " ".join(parts) or "the file"


def _summary(report: dict) -> str:
    lines = []
    for source, files in report["sources"].items():
        n_lines = sum(f["lines"] for f in files)
        lines.append(f"{source}: {len(files)} file(s), {n_lines:,} line(s)")
        for f in files:
            for x in f["failures"]:
                where = ", ".join(_where(r) for r in x["rows"][:5])
                total = x["unexpected_count"]
                more = " ..." if isinstance(total, int) and total > len(x["rows"][:5]) else ""
                lines.append(f"  {x['severity']:8} {f['path']} ({where}{more}): "
                             f"{x['description']} ({x['unexpected_count']} unexpected; the build: "
                             f"{x['build_outcome'] or 'kept'})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ai_finops.validate",
                                description="Validate landing files with great-expectations.")
    p.add_argument("--raw-dir", default=os.environ.get("AI_FINOPS_RAW_DIR", "landing"),
                   help="landing folder (default: $AI_FINOPS_RAW_DIR, else landing/)")
    p.add_argument("--severity", choices=["warn", "error"], default="warn",
                   help="warn: report and exit 0 (default); error: exit 1 on a critical failure")
    p.add_argument("--report-dir", default=str(ROOT / "reports"),
                   help="where landing_gate.html and .json go (default: reports/)")
    p.add_argument("--max-rows-per-file", type=int, default=DEFAULT_MAX_ROWS_PER_FILE,
                   help=f"validate the first N lines of each file (default {DEFAULT_MAX_ROWS_PER_FILE:,})")
    p.add_argument("--new-only", action="store_true",
                   help="validate only files that changed or appeared since the last run")
    p.add_argument("--source", action="append", choices=sorted(SOURCES),
                   help="validate only this source (repeatable; default: all)")
    args = p.parse_args(argv)

    raw_dir = Path(args.raw_dir)
    if not raw_dir.is_dir():
        print(f"error: landing folder {raw_dir} does not exist", file=sys.stderr)
        return 2
    report = run_gate(raw_dir, sources=args.source, max_rows_per_file=args.max_rows_per_file,
                      new_only=args.new_only, report_dir=Path(args.report_dir))
    html_path = Path(args.report_dir) / "landing_gate.html"
    print(_summary(report))
    verdict = ("FAILED" if report["critical_failures"] else "passed")
    print(f"landing gate {verdict}: {report['critical_failures']} critical, "
          f"{report['warnings']} warning(s) in {report['seconds']} s; report: {html_path}")
    if report["critical_failures"] and args.severity == "error":
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
