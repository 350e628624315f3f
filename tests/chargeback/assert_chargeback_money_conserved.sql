-- Rule: money is conserved in every charge month of the chargeback. What teams are debited plus
-- what showback teams are shown equals the direct cost (frozen rates) + markup + allocated
-- shared costs; the direct cost plus the rate variance held centrally equals the actual cost;
-- and the proportional re-split moves money between proportional teams only (sums to 0).
-- So: charges + showback + rate variance = actual cost + markup + shared costs.
-- A row returned names a month whose totals do not add up.
with

lines as (
    select * from {{ ref('rpt_chargeback_monthly') }}
),

totals as (
    select
        charge_month,
        sum(charge_usd) as charge_usd,
        sum(showback_usd) as showback_usd,
        sum(actual_cost_usd) as actual_cost_usd,
        sum(direct_cost_usd) as direct_cost_usd,
        sum(rate_variance_usd) as rate_variance_usd,
        sum(markup_usd) as markup_usd,
        sum(shared_cost_usd) as shared_cost_usd,
        sum(proportional_adjustment_usd) as proportional_adjustment_usd
    from lines
    group by charge_month
)

select *
from totals
where
    charge_usd + showback_usd <> direct_cost_usd + markup_usd + shared_cost_usd
    or actual_cost_usd <> direct_cost_usd + rate_variance_usd
    or proportional_adjustment_usd <> 0
    or charge_usd + showback_usd + rate_variance_usd <> actual_cost_usd + markup_usd + shared_cost_usd
