-- One row per reporting day x every business dimension x provider x model: the table BI tools
-- read. Additive measures only (requests, tokens, dollars), so any roll-up of it is a sum.
with

requests as (
    select * from {{ ref('fct_llm_requests') }}
),

final as (
    select
        -- grain
        requested_date,
        requested_month,
        feature,
        product,
        usage_type,
        team,
        cost_center,
        pnl_category,
        customer_id,
        region,
        environment,
        attribution_source,
        source_system,
        provider,
        model,

        -- counts
        cast(count(*) as bigint) as requests,
        cast(sum(case when status = 'failure' then 1 else 0 end) as bigint) as failed_requests,
        cast(sum(case when pricing_status <> 'priced' then 1 else 0 end) as bigint) as unpriced_requests,

        -- tokens
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(cache_read_tokens) as bigint) as cache_read_tokens,
        cast(sum(cache_write_tokens) as bigint) as cache_write_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        cast(sum(reasoning_tokens) as bigint) as reasoning_tokens,
        cast(sum(total_tokens) as bigint) as total_tokens,

        -- cost in US dollars
        cast(coalesce(sum(list_cost_usd), 0) as {{ ai_finops.money_type() }}) as cost_usd,
        cast(sum(gateway_cost_usd) as {{ ai_finops.money_type() }}) as gateway_cost_usd
    from requests
    group by
        requested_date, requested_month, feature, product, usage_type, team, cost_center,
        pnl_category, customer_id, region, environment, attribution_source, source_system,
        provider, model
)

select * from final
