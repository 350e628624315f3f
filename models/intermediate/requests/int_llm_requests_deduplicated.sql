{#
    One row per request_id. A gateway re-delivers a log record (retry of a failed upload, the
    same file landed twice), and a request can be seen by two sources (LiteLLM logs it, the
    OpenTelemetry instrumentation around it exports a span with the same id). One delivery is
    kept and the number of deliveries recorded, so that duplicates are counted, never billed twice.

    Rules:
    - which delivery is kept: LiteLLM before OpenTelemetry (the gateway's record carries the
      cost it computed and the caller's tags), then the first landed: the landing ledger's order
      (ledger_seq: the build that found the file, then the order files were written), then
      line_number. A replay is never billed over its original, whatever its file is named, and
      the choice never depends on the engine's row order;
    - content_hash: a hash of every canonical column that describes the request (all but
      ledger_seq, source_file and line_number, which say where it was delivered), per delivery;
    - a conflict: a delivery from the kept delivery's source whose content_hash differs from
      the kept one (the same id with different tokens, cost, model, time or tags). It is not
      merged: the kept row stands and rpt_request_delivery_conflicts lists every conflicting
      delivery, column by column. LiteLLM and OpenTelemetry describe one request in different
      words, so a difference between sources is not a conflict.
#}
{%- set hashed_columns = [] -%}
{%- for column in ai_finops.canonical_request_columns() -%}
{%- if column not in ['ledger_seq', 'source_file', 'line_number'] -%}
{%- do hashed_columns.append(column) -%}
{%- endif -%}
{%- endfor -%}
{%- set content_hash = ai_finops.row_hash(hashed_columns) -%}
{{ config(materialized='table') }}
with

unioned as (
    select * from {{ ref('int_llm_requests_unioned') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by request_id
            order by
                case when source_system = 'litellm' then 0 else 1 end,
                ledger_seq,
                line_number
        ) as delivery_rank,
        count(*) over (partition by request_id) as delivery_count
    from unioned
),

-- most requests are delivered once: only repeated ones are hashed and compared with each other
repeated as (
    select
        *,
        {{ content_hash }} as content_hash
    from ranked
    where delivery_count > 1
),

compared as (
    select
        *,
        -- the kept delivery's source and content, on every delivery of the request
        max(case when delivery_rank = 1 then source_system end)
            over (partition by request_id) as kept_source_system,
        max(case when delivery_rank = 1 then content_hash end)
            over (partition by request_id) as kept_content_hash
    from repeated
),

flagged as (
    select
        *,
        sum(
            case
                when source_system = kept_source_system and content_hash != kept_content_hash then 1
                else 0
            end
        ) over (partition by request_id) as conflicting_delivery_count
    from compared
),

deduplicated as (
    select
        {%- for column in ai_finops.canonical_request_columns() %}
        {{ column }},
        {%- endfor %}
        delivery_count,
        {{ content_hash }} as content_hash,
        0 as conflicting_delivery_count
    from ranked
    where delivery_count = 1

    union all

    select
        {%- for column in ai_finops.canonical_request_columns() %}
        {{ column }},
        {%- endfor %}
        delivery_count,
        content_hash,
        conflicting_delivery_count
    from flagged
    where delivery_rank = 1
)

select * from deduplicated
