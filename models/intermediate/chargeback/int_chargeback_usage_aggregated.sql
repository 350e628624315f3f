-- One row per charge month x team x usage month: the cost entries booked to the charge month
-- (fct_llm_cost_entries), their tokens and their cost at actual and at frozen rates. The usage
-- month equals the charge month, except for what changed a closed month later (late arrivals,
-- price and mapping corrections), which is charged in the first open month after it.
with

entries as (
    select * from {{ ref('fct_llm_cost_entries') }}
),

final as (
    select
        -- grain
        booked_month as charge_month,
        team,
        requested_month as usage_month,

        -- usage (an adjustment can be negative: a request moved to another team)
        sum(requests) as requests,
        sum(total_tokens) as total_tokens,

        -- cost in US dollars
        sum(list_cost_usd) as actual_cost_usd,
        sum(direct_cost_usd) as direct_cost_usd,
        sum(list_cost_usd - direct_cost_usd) as rate_variance_usd
    from entries
    group by booked_month, team, requested_month
)

select * from final
