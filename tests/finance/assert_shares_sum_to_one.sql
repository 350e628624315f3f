-- Rule: shares are shares: per (booked) month the P&L rows' and the coverage rows' share_of_month_cost
-- each sum to 1, and per month and team the coverage rows' share_of_team_cost sums to 1
-- (within 1e-9 for floating-point division). Months or teams without cost have no shares.
with

shares as (
    select
        'rpt_pnl_monthly' as mart,
        booked_month as requested_month,
        cast(null as {{ dbt.type_string() }}) as team,
        sum(share_of_month_cost) as share_sum
    from {{ ref('rpt_pnl_monthly') }}
    group by booked_month
    having sum(cost_usd) <> 0
    union all
    select
        'rpt_attribution_coverage_monthly' as mart,
        requested_month,
        null as team,
        sum(share_of_month_cost) as share_of_month_cost
    from {{ ref('rpt_attribution_coverage_monthly') }}
    group by requested_month
    having sum(cost_usd) <> 0
    union all
    select
        'rpt_attribution_coverage_monthly (team)' as mart,
        requested_month,
        team,
        sum(share_of_team_cost) as share_of_team_cost
    from {{ ref('rpt_attribution_coverage_monthly') }}
    group by requested_month, team
    having sum(cost_usd) <> 0
)

select *
from shares
where abs(share_sum - 1) > 1e-9
