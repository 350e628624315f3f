-- Rule: every request is counted exactly once in each roll-up, per usage month (a request with
-- several tags, or none, is one request; a mapping correction moves a request, -1 and +1, and a
-- price correction counts 0). A row returned names a month and a mart whose count differs.
with

requests as (
    select
        requested_month,
        count(*) as requests
    from {{ ref('fct_llm_requests') }}
    group by requested_month
),

marts as (
    select
        'fct_llm_cost_entries' as mart,
        requested_month,
        sum(requests) as requests
    from {{ ref('fct_llm_cost_entries') }}
    group by requested_month
    union all
    select
        'fct_llm_cost_daily' as mart,
        requested_month,
        sum(requests) as requests
    from {{ ref('fct_llm_cost_daily') }}
    group by requested_month
    union all
    select
        'rpt_pnl_monthly' as mart,
        usage_month as requested_month,
        sum(requests) as requests
    from {{ ref('rpt_pnl_monthly') }}
    group by usage_month
    union all
    select
        'rpt_attribution_coverage_monthly' as mart,
        requested_month,
        sum(requests) as requests
    from {{ ref('rpt_attribution_coverage_monthly') }}
    group by requested_month
)

select
    marts.mart,
    marts.requested_month,
    requests.requests as fact_requests,
    marts.requests as mart_requests
from marts
left join requests
    on marts.requested_month = requests.requested_month
where requests.requests is null or marts.requests <> requests.requests
