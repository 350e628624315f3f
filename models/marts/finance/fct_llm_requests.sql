{#
    One row per LLM request, priced and attributed: the fact every finance and product mart reads.

    Incremental (unique request_id). Each run re-merges
    - every request delivered in a file this table has not seen yet (a late file lands whole,
      however old its requests), and
    - every request within `late_arrival_lookback_days` of the newest one already loaded
      (records appended late to a file already seen).
    Building twice on the same files changes nothing; adding a file adds only its requests.
#}
-- depends_on: {{ ref('int_llm_requests_unioned') }}
{{
    config(
        materialized='incremental',
        unique_key='request_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
    )
}}

with

priced as (
    select * from {{ ref('int_llm_requests_attributed') }}
),

{% if is_incremental() %}
deliveries as (
    select * from {{ ref('int_llm_requests_unioned') }}
),

loaded_files as (
    select distinct source_file from {{ this }}
),

requests_in_new_files as (
    select distinct deliveries.request_id
    from deliveries
    left join loaded_files
        on deliveries.source_file = loaded_files.source_file
    where loaded_files.source_file is null
),

lookback_start as (
    select
        {{ dbt.dateadd('day', -1 * var('late_arrival_lookback_days'), 'max(requested_at)') }}
            as lookback_start_at
    from {{ this }}
),

{% endif %}
to_load as (
    select priced.*
    from priced
    {% if is_incremental() %}
    cross join lookback_start
    left join requests_in_new_files
        on priced.request_id = requests_in_new_files.request_id
    where
        requests_in_new_files.request_id is not null
        or priced.requested_at >= lookback_start.lookback_start_at
        or lookback_start.lookback_start_at is null
    {% endif %}
),

final as (
    select
        -- ids
        request_id,
        source_system,
        source_file,
        line_number as source_line_number,
        cast(delivery_count as integer) as delivery_count,
        trace_id,

        -- time: UTC timestamps, reporting-time-zone date and month
        requested_at,
        ended_at,
        {{ ai_finops.reporting_date('requested_at') }} as requested_date,
        {{ ai_finops.reporting_month('requested_at') }} as requested_month,

        -- what ran
        provider,
        model,
        priced_as_model,
        call_type,
        status,
        service_tier,
        is_long_context,

        -- tokens: exclusive buckets, total_tokens is their sum
        input_tokens,
        cache_read_tokens,
        cache_write_tokens,
        output_tokens,
        reasoning_tokens,
        input_tokens + cache_read_tokens + cache_write_tokens + output_tokens as total_tokens,

        -- cost in US dollars
        gateway_cost_usd,
        list_cost_usd,
        input_cost_usd,
        cache_read_cost_usd,
        cache_write_cost_usd,
        output_cost_usd,
        pricing_status,
        price_effective_from,

        -- business context (int_llm_requests_attributed states the precedence)
        feature,
        is_feature_mapped,
        product,
        usage_type,
        team,
        cost_center,
        pnl_category,
        pnl_rule_priority,
        customer_id,
        region,
        environment,
        attribution_source,
        api_key_alias,
        service_name
    from to_load
)

select * from final
