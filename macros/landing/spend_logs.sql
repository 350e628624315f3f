{#
    The LiteLLM proxy's `LiteLLM_SpendLogs` table, read as the same requests as LiteLLM's logged
    payloads.

    A SpendLogs row and a StandardLoggingPayload are LiteLLM's two records of one request. The
    reader turns each row (a CSV export's record, or a JSON row) into the payload's field
    names, so that one parser and one set of rules (tokens, tags, key, quarantine) reads both:
    stg_litellm__log_lines.
      request_id -> id, spend -> response_cost, startTime/endTime (UTC timestamps) -> epoch
      seconds, session_id -> trace_id, metadata (jsonb, or its text in an export) -> metadata,
      whose usage_object (else additional_usage_values) holds the cache and reasoning tokens,
      request_tags (a JSON array, or its text) -> request_tags, model_group, model_id, api_base,
      and metadata's model_map_information and cost_breakdown lifted to the payload's top level.
    Prompts and responses (messages, response, proxy_server_request) are never carried over.
    A row whose metadata is not JSON gets `_landing_problem` = 'invalid_metadata': quarantined
    with that reason, not dropped.
#}

{# The columns a SpendLogs export must have (by name, in any order): the ones read above. #}
{% macro spend_logs_required_columns() %}
    {{ return([
        'request_id', 'call_type', 'spend', 'prompt_tokens', 'completion_tokens', 'startTime',
        'endTime', 'model', 'model_id', 'model_group', 'custom_llm_provider', 'api_base',
        'metadata', 'request_tags', 'end_user', 'session_id', 'status',
    ]) }}
{% endmacro %}

{#
    The SpendLogs rows no build has read yet, as payloads: (ledger_seq, source_file,
    line_number, raw_line, has_invalid_utf8). DuckDB reads the export files through the landing
    ledger. PostgreSQL and Spark do not read them yet: their loader (ai_finops.load_raw) stops
    with a message when the folder holds files, and this reader is empty there.
#}
{% macro spend_log_payloads(ledger, parsed_name) %}
    {{ return(adapter.dispatch('spend_log_payloads', 'ai_finops')(ledger, parsed_name)) }}
{% endmacro %}

{% macro default__spend_log_payloads(ledger, parsed_name) %}
    select
        cast(null as bigint) as ledger_seq,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as bigint) as line_number,
        cast(null as {{ dbt.type_string() }}) as raw_line,
        cast(null as boolean) as has_invalid_utf8
    where 1 = 0
{% endmacro %}

{% macro duckdb__spend_log_payloads(ledger, parsed_name) %}
    with

    raw_rows as (
        {{ ai_finops.landing_lines(ledger, none, 'litellm_spend_logs', parsed_name) }}
    ),

    payloads as (
        {{ ai_finops.spend_log_rows_as_payloads('raw_rows') }}
    )

    select * from payloads
{% endmacro %}

{#
    `rows`: a relation or CTE of (ledger_seq, source_file, line_number, raw_line,
    has_invalid_utf8) whose raw_line is a SpendLogs row as one JSON object (column name ->
    value). Returns the same columns, raw_line now a LiteLLM payload. A line that is not JSON
    is passed on as it is: the parser quarantines it as invalid_json.
#}
{% macro spend_log_rows_as_payloads(rows) %}
    with

    parsed as (
        select
            *,
            try(json(raw_line)) as spend_log
        from {{ rows }}
    ),

    with_metadata as (
        select
            *,
            -- jsonb in the table, its text in an export
            case
                when json_type(spend_log -> 'metadata') = 'VARCHAR'
                    then try(json(spend_log ->> 'metadata'))
                else spend_log -> 'metadata'
            end as metadata,
            json_type(spend_log -> 'metadata') = 'VARCHAR'
            and trim(spend_log ->> 'metadata') <> ''
            and try(json(spend_log ->> 'metadata')) is null as is_metadata_invalid,
            case
                when json_type(spend_log -> 'request_tags') = 'VARCHAR'
                    then coalesce(try(json(spend_log ->> 'request_tags')), spend_log -> 'request_tags')
                else spend_log -> 'request_tags'
            end as request_tags
        from parsed
    ),

    payloads as (
        select
            ledger_seq,
            source_file,
            line_number,
            case
                when spend_log is null or json_type(spend_log) <> 'OBJECT' then raw_line
                else cast(json_object(
                    'id', spend_log ->> 'request_id',
                    'trace_id', nullif(spend_log ->> 'session_id', ''),
                    'call_type', spend_log ->> 'call_type',
                    'status', spend_log ->> 'status',
                    'custom_llm_provider', spend_log ->> 'custom_llm_provider',
                    'model', spend_log ->> 'model',
                    'model_group', spend_log ->> 'model_group',
                    'model_id', spend_log ->> 'model_id',
                    'api_base', spend_log ->> 'api_base',
                    'end_user', nullif(spend_log ->> 'end_user', ''),
                    'startTime', {{ ai_finops.spend_log_epoch("spend_log ->> 'startTime'") }},
                    'endTime', {{ ai_finops.spend_log_epoch("spend_log ->> 'endTime'") }},
                    'response_cost', try_cast(spend_log ->> 'spend' as double),
                    -- numbers in an export are text: a count stays a number, anything else
                    -- stays what it was, for the parser to reject
                    {%- for column in ['prompt_tokens', 'completion_tokens'] %}
                    '{{ column }}', coalesce(
                        to_json(try_cast(spend_log ->> '{{ column }}' as double)),
                        spend_log -> '{{ column }}'
                    ),
                    {%- endfor %}
                    'request_tags', request_tags,
                    'metadata', case
                        when coalesce(json_type(metadata -> 'usage_object'), 'NULL') = 'NULL'
                            then json_merge_patch(
                                metadata,
                                json_object('usage_object', metadata -> 'additional_usage_values')
                            )
                        else metadata
                    end,
                    'model_map_information', metadata -> 'model_map_information',
                    'cost_breakdown', metadata -> 'cost_breakdown',
                    '_landing_problem', case when is_metadata_invalid then 'invalid_metadata' end
                ) as varchar)
            end as raw_line,
            has_invalid_utf8
        from with_metadata
    )

    select * from payloads
{% endmacro %}

{# Epoch seconds of a SpendLogs time: `timestamp(3)` in UTC, or ISO text with an offset. #}
{% macro spend_log_epoch(text) -%}
    case
        when {{ text }} like '%+__:__' or {{ text }} like '%-__:__' or {{ text }} like '%Z'
            then epoch(try_cast({{ text }} as timestamptz))
        else epoch(try_cast({{ text }} as timestamp))
    end
{%- endmacro %}
