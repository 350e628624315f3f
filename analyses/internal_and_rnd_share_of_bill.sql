-- How much of the AI bill is internal tooling or R&D rather than product, per month, and how
-- much of it is still unattributed?
select
    booked_month,
    usage_type,
    sum(cost_usd) as cost_usd,
    sum(cost_usd) / sum(sum(cost_usd)) over (partition by booked_month) as share_of_month
from {{ ref('rpt_pnl_monthly') }}
group by booked_month, usage_type
order by booked_month asc, cost_usd desc
