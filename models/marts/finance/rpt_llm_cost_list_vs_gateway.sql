-- One row per reporting month x provider x model: the project's list cost next to the cost the
-- gateway logged, and the variance. A large variance means a stale price seed (ours or the
-- gateway's) or a pricing rule one of the two does not know. The variance compares only the
-- requests both sides priced: OpenTelemetry spans carry no gateway cost.
with

requests as (
    select * from {{ ref('fct_llm_requests') }}
),

aggregated as (
    select
        requested_month,
        provider,
        model,
        count(*) as requests,
        sum(case when pricing_status = 'priced' then 1 else 0 end) as priced_requests,
        sum(case when pricing_status <> 'priced' then 1 else 0 end) as unpriced_requests,
        sum(total_tokens) as total_tokens,
        sum(list_cost_usd) as list_cost_usd,
        sum(gateway_cost_usd) as gateway_cost_usd,
        -- the comparison is fair only where both sides priced the request
        sum(case when pricing_status = 'priced' and gateway_cost_usd is not null then 1 else 0 end)
            as compared_requests,
        sum(case when pricing_status = 'priced' and gateway_cost_usd is not null then list_cost_usd end)
            as list_cost_of_compared_usd,
        sum(case when pricing_status = 'priced' and gateway_cost_usd is not null then gateway_cost_usd end)
            as gateway_cost_of_compared_usd
    from requests
    group by 1, 2, 3
),

final as (
    select
        requested_month,
        provider,
        model,
        cast(requests as bigint) as requests,
        cast(priced_requests as bigint) as priced_requests,
        cast(unpriced_requests as bigint) as unpriced_requests,
        cast(total_tokens as bigint) as total_tokens,
        cast(list_cost_usd as {{ ai_finops.money_type() }}) as list_cost_usd,
        cast(gateway_cost_usd as {{ ai_finops.money_type() }}) as gateway_cost_usd,
        cast(compared_requests as bigint) as compared_requests,
        cast(list_cost_of_compared_usd - gateway_cost_of_compared_usd as {{ ai_finops.money_type() }})
            as variance_usd,
        case
            when gateway_cost_of_compared_usd <> 0
                then {{ ai_finops.ratio(
                    'list_cost_of_compared_usd - gateway_cost_of_compared_usd', 'gateway_cost_of_compared_usd'
                ) }}
        end as variance_ratio
    from aggregated
)

select * from final
