-- Rule: every request is charged exactly once, in its own month or, if it arrived after that
-- month closed, as an adjustment of a later month. Per usage month, the requests and the actual
-- cost on the chargeback lines (any charge month) equal fct_llm_requests'. Checked on the lines
-- as computed from today's requests: a closed month shows the lines recorded at its close,
-- which equal these unless the month would be restated (assert_closed_months_not_restated).
-- A row returned names a usage month whose requests were lost or counted twice.
with

requests as (
    select
        requested_month as usage_month,
        count(*) as requests,
        coalesce(sum(list_cost_usd), 0) as cost_usd
    from {{ ref('fct_llm_requests') }}
    group by requested_month
),

charged as (
    select
        usage_month,
        sum(requests) as requests,
        sum(actual_cost_usd) as cost_usd
    from {{ ref('int_chargeback_lines_computed') }}
    group by usage_month
)

select
    coalesce(requests.usage_month, charged.usage_month) as usage_month,
    requests.requests as fact_requests,
    charged.requests as charged_requests,
    requests.cost_usd as fact_cost_usd,
    charged.cost_usd as charged_cost_usd
from requests
full outer join charged
    on requests.usage_month = charged.usage_month
where
    coalesce(requests.requests, 0) <> coalesce(charged.requests, 0)
    or coalesce(requests.cost_usd, 0) <> coalesce(charged.cost_usd, 0)
