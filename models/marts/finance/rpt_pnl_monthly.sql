-- One row per month booked x P&L category x cost center x environment x usage type x entry
-- type x usage month: AI spend as it lands in the profit and loss statement, with each row's
-- share of the month. A closed month keeps what it had when it closed; a later change to it
-- (late arrival, price or mapping correction) is an adjustment row of the first open month,
-- whose usage_month names the closed month it belongs to.
with

daily as (
    select * from {{ ref('fct_llm_cost_daily') }}
),

cost_centers as (
    select * from {{ ref('cost_centers') }}
),

rolled_up as (
    select
        booked_month,
        pnl_category,
        cost_center,
        environment,
        usage_type,
        entry_type,
        requested_month as usage_month,
        sum(requests) as requests,
        sum(total_tokens) as total_tokens,
        sum(cost_usd) as cost_usd
    from daily
    group by booked_month, pnl_category, cost_center, environment, usage_type, entry_type, requested_month
),

final as (
    select
        rolled_up.booked_month,
        rolled_up.pnl_category,
        rolled_up.cost_center,
        cost_centers.cost_center_name,
        rolled_up.environment,
        rolled_up.usage_type,
        rolled_up.entry_type,
        rolled_up.usage_month,
        cast(rolled_up.requests as bigint) as requests,
        cast(rolled_up.total_tokens as bigint) as total_tokens,
        cast(rolled_up.cost_usd as {{ ai_finops.money_type() }}) as cost_usd,
        case
            when sum(rolled_up.cost_usd) over (partition by rolled_up.booked_month) <> 0
                then {{ ai_finops.ratio(
                    'rolled_up.cost_usd', 'sum(rolled_up.cost_usd) over (partition by rolled_up.booked_month)'
                ) }}
        end as share_of_month_cost
    from rolled_up
    left join cost_centers
        on rolled_up.cost_center = cost_centers.cost_center
)

select * from final
