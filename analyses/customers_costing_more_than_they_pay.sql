-- Which customers cost more to serve (in AI spend) than they pay, and by how much?
-- Also lists customers whose AI cost is above a share of their revenue (var max_share, 0.2).
select
    revenue_month,
    customer_id,
    plan,
    requests,
    features_used,
    ai_cost_usd,
    revenue_usd,
    ai_cost_share_of_revenue,
    margin_after_ai_cost_usd,
    costs_more_than_revenue
from {{ ref('rpt_customer_profitability_monthly') }}
where
    costs_more_than_revenue
    or ai_cost_share_of_revenue > {{ var('max_share', 0.2) }}
    or not has_revenue_record
order by revenue_month desc, margin_after_ai_cost_usd asc
