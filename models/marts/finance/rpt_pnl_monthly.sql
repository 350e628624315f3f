-- One row per reporting month x P&L category x cost center x environment x usage type: AI spend
-- as it lands in the profit and loss statement, with each row's share of the month.
with

daily as (
    select * from {{ ref('fct_llm_cost_daily') }}
),

cost_centers as (
    select * from {{ ref('cost_centers') }}
),

rolled_up as (
    select
        requested_month,
        pnl_category,
        cost_center,
        environment,
        usage_type,
        sum(requests) as requests,
        sum(total_tokens) as total_tokens,
        sum(cost_usd) as cost_usd
    from daily
    group by requested_month, pnl_category, cost_center, environment, usage_type
),

final as (
    select
        rolled_up.requested_month,
        rolled_up.pnl_category,
        rolled_up.cost_center,
        cost_centers.cost_center_name,
        rolled_up.environment,
        rolled_up.usage_type,
        cast(rolled_up.requests as bigint) as requests,
        cast(rolled_up.total_tokens as bigint) as total_tokens,
        cast(rolled_up.cost_usd as {{ ai_finops.money_type() }}) as cost_usd,
        case
            when sum(rolled_up.cost_usd) over (partition by rolled_up.requested_month) <> 0
                then {{ ai_finops.ratio(
                    'rolled_up.cost_usd', 'sum(rolled_up.cost_usd) over (partition by rolled_up.requested_month)'
                ) }}
        end as share_of_month_cost
    from rolled_up
    left join cost_centers
        on rolled_up.cost_center = cost_centers.cost_center
)

select * from final
