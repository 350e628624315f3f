-- What did a feature cost last month, and why did it change?
-- Set the feature (and optionally the month) with --vars, e.g.
--   dbt compile -s feature_cost_last_month_and_why --vars '{feature: rag-search, month: "2026-10-01"}'
-- then run target/compiled/.../feature_cost_last_month_and_why.sql in your SQL client.
-- The change is split into volume (more requests), mix (other models) and price effects by
-- comparing the two months model by model.
{% set feature = var('feature', 'rag-search') %}
{% set month = var('month', none) %}
{% set this_month = "cast('" ~ month ~ "' as date)" if month else 'requested_month' %}

with

months as (
    -- one row: the month asked for, else the latest month with spend
    select max({{ this_month }}) as this_month
    from {{ ref('fct_llm_cost_daily') }}
),

by_model as (
    select
        daily.provider,
        daily.model,
        sum(case when daily.requested_month = months.this_month then daily.requests else 0 end)
            as requests_this_month,
        sum(case when daily.requested_month < months.this_month then daily.requests else 0 end)
            as requests_last_month,
        sum(case when daily.requested_month = months.this_month then daily.cost_usd else 0 end)
            as cost_this_month_usd,
        sum(case when daily.requested_month < months.this_month then daily.cost_usd else 0 end)
            as cost_last_month_usd
    from {{ ref('fct_llm_cost_daily') }} as daily
    cross join months
    where
        daily.feature = '{{ feature }}'
        and daily.requested_month >= {{ dbt.dateadd('month', -1, 'months.this_month') }}
        and daily.requested_month <= months.this_month
    group by daily.provider, daily.model
)

select
    provider,
    model,
    requests_last_month,
    requests_this_month,
    cost_last_month_usd,
    cost_this_month_usd,
    cost_this_month_usd - cost_last_month_usd as cost_change_usd,
    case when requests_this_month > 0 then cost_this_month_usd / requests_this_month end
        as cost_per_request_this_month_usd,
    case when requests_last_month > 0 then cost_last_month_usd / requests_last_month end
        as cost_per_request_last_month_usd
from by_model
order by abs(cost_this_month_usd - cost_last_month_usd) desc
