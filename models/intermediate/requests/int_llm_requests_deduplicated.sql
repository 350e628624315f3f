{#
    One row per request_id. A gateway re-delivers a log record (retry of a failed upload, the
    same file landed twice), and a request can be seen by two sources (LiteLLM logs it, the
    OpenTelemetry instrumentation around it exports a span with the same id). One delivery is
    kept and the number of deliveries recorded, so that duplicates are counted, never billed twice.

    Rules:
    - which delivery is kept: LiteLLM before OpenTelemetry (the gateway's record carries the
      cost it computed and the caller's tags; its payload before its SpendLogs row, which
      leaves out part of the payload), then the first landed: the landing ledger's order
      (ledger_seq: the build that found the file, then the order files were written), then
      line_number. A replay is never billed over its original, whatever its file is named, and
      the choice never depends on the engine's row order;
    - content_hash: a hash of every canonical column that describes the request (all but
      ledger_seq, source_file and line_number, which say where it was delivered), per delivery;
    - a conflict: a delivery from the kept delivery's source whose content_hash differs from
      the kept one (the same id with different tokens, cost, model, time or tags), or LiteLLM's
      other record of the request (its payload, its SpendLogs row) that disagrees on what the
      request is billed for (macro litellm_billing_columns). It is not merged: the kept row
      stands and rpt_request_delivery_conflicts lists every conflicting delivery, column by
      column. LiteLLM and OpenTelemetry describe one request in different words, so a
      difference between them is not a conflict.

    It depends on no seed, so a build ranks again only the requests with a new delivery (all
    their deliveries, old and new), or a new span in their trace (an OpenTelemetry request takes
    its context from its ancestor spans, which may land later), and replaces their rows;
    last_ledger_seq (the latest landing that shaped the request) tells the valuation which
    requests changed. Every request is ranked again on the first build, on --full-refresh, and
    when a variable that shapes requests from the stored spans changed (facts_fingerprint).
#}
{%- set hashed_columns = [] -%}
{%- for column in ai_finops.canonical_request_columns() -%}
{%- if column not in ['ledger_seq', 'source_file', 'line_number'] -%}
{%- do hashed_columns.append(column) -%}
{%- endif -%}
{%- endfor -%}
{%- set content_hash = ai_finops.row_hash(hashed_columns) -%}
{%- set billing_hash = ai_finops.row_hash(ai_finops.litellm_billing_columns()) -%}
{%- set facts_fingerprint = ai_finops.request_facts_fingerprint() -%}
{#- the highest delivery ranked so far, when the stored rows can be added to -#}
{%- set since = none -%}
{%- if is_incremental() -%}
{%- set stored = ai_finops.stored_state(
    this, ['last_ledger_seq'], 'facts_fingerprint', "'" ~ facts_fingerprint ~ "'"
) -%}
{%- set since = stored['maxima'][0] if stored['continuable'] else none -%}
{%- endif -%}
{%- set since_filter = 'ledger_seq > ' ~ since if since is not none else 'true' -%}
{{
    config(
        materialized=ai_finops.valuation_materialization(),
        incremental_strategy='delete+insert',
        unique_key='request_id',
        on_schema_change='append_new_columns',
    )
}}
with

-- read twice when ranking again only what changed: inlined, not a copy of every delivery
unioned as {% if since is not none %}not materialized {% endif %}(
    select * from {{ ref('int_llm_requests_unioned') }}
),

spans as (
    select * from {{ ref('stg_otel__spans') }}
),

-- the latest landing of a span of each trace
trace_landings as (
    select
        trace_id,
        max(ledger_seq) as trace_ledger_seq
    from spans
    where trace_id is not null and {{ since_filter }}
    group by trace_id
),

{% if since is not none %}
-- the requests with a delivery or a trace span this table has not seen, and all their deliveries
changed as (
    select distinct unioned.request_id
    from unioned
    left join trace_landings
        on unioned.trace_id = trace_landings.trace_id
    where unioned.ledger_seq > {{ since }} or trace_landings.trace_id is not null
),

changed_deliveries as (
    select unioned.*
    from unioned
    inner join changed
        on unioned.request_id = changed.request_id
),
{% else %}
changed_deliveries as (
    select * from unioned
),
{% endif %}

deliveries as (
    select
        changed_deliveries.*,
        case
            when trace_landings.trace_ledger_seq > changed_deliveries.ledger_seq
                then trace_landings.trace_ledger_seq
            else changed_deliveries.ledger_seq
        end as shaped_ledger_seq
    from changed_deliveries
    left join trace_landings
        on changed_deliveries.trace_id = trace_landings.trace_id
),

-- most requests are delivered once: only the repeated ones are ranked, hashed and compared,
-- so the windows sort a few rows, not every delivery
repeated_ids as (
    select request_id
    from deliveries
    group by request_id
    having count(*) > 1
),

singles as (
    select deliveries.*
    from deliveries
    left join repeated_ids
        on deliveries.request_id = repeated_ids.request_id
    where repeated_ids.request_id is null
),

ranked as (
    select
        *,
        row_number() over (
            partition by request_id
            order by
                -- LiteLLM's payload, then its SpendLogs row, then an OpenTelemetry span
                case source_system when 'litellm' then 0 when 'litellm_spend_logs' then 1 else 2 end,
                ledger_seq,
                line_number
        ) as delivery_rank,
        count(*) over (partition by request_id) as delivery_count,
        max(shaped_ledger_seq) over (partition by request_id) as last_ledger_seq,
        {{ content_hash }} as content_hash,
        {{ billing_hash }} as billing_hash
    from deliveries
    where request_id in (select repeated_ids.request_id from repeated_ids)
),

compared as (
    select
        *,
        -- the kept delivery's source and content, on every delivery of the request
        max(case when delivery_rank = 1 then source_system end)
            over (partition by request_id) as kept_source_system,
        max(case when delivery_rank = 1 then content_hash end)
            over (partition by request_id) as kept_content_hash,
        max(case when delivery_rank = 1 then billing_hash end)
            over (partition by request_id) as kept_billing_hash
    from ranked
),

flagged as (
    select
        *,
        sum(
            case
                when source_system = kept_source_system and content_hash != kept_content_hash then 1
                -- LiteLLM's payload and its SpendLogs row: the same request in two records,
                -- which must agree on what it is billed for
                when
                    source_system != kept_source_system
                    and {{ ai_finops.is_litellm_record('source_system') }}
                    and {{ ai_finops.is_litellm_record('kept_source_system') }}
                    and billing_hash != kept_billing_hash
                    then 1
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
        1 as delivery_count,
        -- nothing to compare a single delivery with
        cast(null as {{ dbt.type_string() }}) as content_hash,
        0 as conflicting_delivery_count,
        shaped_ledger_seq as last_ledger_seq
    from singles

    union all

    select
        {%- for column in ai_finops.canonical_request_columns() %}
        {{ column }},
        {%- endfor %}
        delivery_count,
        content_hash,
        conflicting_delivery_count,
        last_ledger_seq
    from flagged
    where delivery_rank = 1
)

select
    *,
    '{{ facts_fingerprint }}' as facts_fingerprint
from deduplicated
