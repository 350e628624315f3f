-- Rule: for every month, the cost of the requests equals the cost in the daily fact, in the P&L
-- rollup, in feature cost-to-serve and in attribution coverage, to the cent and beyond (exact
-- decimals). A row returned names a month and a mart that lost or invented money.
with

requests as (
    select
        requested_month,
        coalesce(sum(list_cost_usd), 0) as cost_usd
    from {{ ref('fct_llm_requests') }}
    group by requested_month
),

marts as (
    select
        'fct_llm_cost_daily' as mart,
        requested_month,
        sum(cost_usd) as cost_usd
    from {{ ref('fct_llm_cost_daily') }}
    group by requested_month
    union all
    select
        'rpt_pnl_monthly' as mart,
        requested_month,
        sum(cost_usd) as cost_usd
    from {{ ref('rpt_pnl_monthly') }}
    group by requested_month
    union all
    select
        'rpt_feature_cost_to_serve_monthly' as mart,
        requested_month,
        sum(cost_usd) as cost_usd
    from {{ ref('rpt_feature_cost_to_serve_monthly') }}
    group by requested_month
    union all
    select
        'rpt_attribution_coverage_monthly' as mart,
        requested_month,
        sum(cost_usd) as cost_usd
    from {{ ref('rpt_attribution_coverage_monthly') }}
    group by requested_month
),

compared as (
    select
        marts.mart,
        coalesce(marts.requested_month, requests.requested_month) as requested_month,
        requests.cost_usd as request_cost_usd,
        marts.cost_usd as mart_cost_usd
    from marts
    full outer join requests
        on marts.requested_month = requests.requested_month
)

select *
from compared
where
    mart_cost_usd is null
    or request_cost_usd is null
    or mart_cost_usd <> request_cost_usd
