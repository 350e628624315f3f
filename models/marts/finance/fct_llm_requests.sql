{#
    One row per LLM request, priced and attributed: the fact every finance and product mart reads.

    Valued from the stored facts (the parsed lines, which are never parsed again) and the seeds
    as they are now: a price or mapping correction merged by pull request is reflected in every
    request after one ordinary `dbt build`, with no --full-refresh and no look-back window to
    miss an old request. A build values again only what changed (macros/valuation.sql): the
    requests with a new delivery, those of a model whose prices changed, or all of them when a
    mapping seed changed.
#}
{%- set state = ai_finops.request_valuation_state(this) -%}
{{
    config(
        materialized=ai_finops.valuation_materialization(),
        incremental_strategy='delete+insert',
        unique_key='request_id',
        on_schema_change='append_new_columns',
    )
}}
with

to_load as (
    select * from {{ ref('int_llm_requests_attributed') }}
    {%- if is_incremental() %}
    where {{ ai_finops.request_valuation_filter(state) }}
    {%- endif %}
),

price_fingerprints as (
    select * from {{ ref('int_model_price_fingerprints') }}
),

mapping_fingerprint as (
    select * from {{ ref('int_mapping_fingerprint') }}
),

fingerprinted as (
    select
        to_load.*,
        coalesce(price_fingerprints.price_fingerprint, 'none') as price_fingerprint,
        mapping_fingerprint.mapping_fingerprint
    from to_load
    left join price_fingerprints
        on
            to_load.provider = price_fingerprints.provider
            and {{ ai_finops.strip_snapshot_suffix('to_load.priced_as_model') }} = price_fingerprints.price_family
    cross join mapping_fingerprint
),

final as (
    select
        -- ids
        request_id,
        source_system,
        source_file,
        line_number as source_line_number,
        ledger_seq,
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
        model_group,
        deployment_id,
        api_base,
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
        service_name,
        client_user_agent,

        -- valuation: which landing and seeds this row was valued from (macros/valuation.sql)
        last_ledger_seq,
        cast({{ state['valuation_seq'] }} as bigint) as valuation_seq,
        price_fingerprint,
        mapping_fingerprint
    from fingerprinted
)

select * from final
