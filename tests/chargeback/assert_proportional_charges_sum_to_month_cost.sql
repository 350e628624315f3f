-- Rule: proportional charges sum to the cost they split. Per charge month, over the regular
-- lines: the proportional what-if (every team on proportional, before shared costs) sums to the
-- month's total direct cost; and the proportional teams' actual charges (before shared costs)
-- sum to their pool's direct cost. A row returned names a month where money was lost or made.
with

lines as (
    select * from {{ ref('rpt_chargeback_monthly') }}
    where not is_adjustment
),

totals as (
    select
        charge_month,
        sum(direct_cost_usd) as month_cost_usd,
        sum(charge_if_proportional_usd - shared_cost_usd) as proportional_what_if_usd,
        sum(case when chargeback_method = 'proportional' then direct_cost_usd else 0 end) as pool_cost_usd,
        sum(
            case when chargeback_method = 'proportional' then charge_usd - shared_cost_usd else 0 end
        ) as pool_charge_usd
    from lines
    group by charge_month
)

select *
from totals
where
    proportional_what_if_usd <> month_cost_usd
    or pool_charge_usd <> pool_cost_usd
