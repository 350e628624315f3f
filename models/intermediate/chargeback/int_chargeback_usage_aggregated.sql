-- One row per charge month x team x usage month: the requests posted to the charge month
-- (int_llm_requests_posted), their tokens and their cost at actual and at frozen rates. The
-- usage month equals the charge month, except for late arrivals to a closed month, which are
-- charged in the first open month after it.
with

requests as (
    select * from {{ ref('int_llm_requests_repriced') }}
),

postings as (
    select * from {{ ref('int_llm_requests_posted') }}
),

final as (
    select
        -- grain
        postings.posting_month as charge_month,
        requests.team,
        requests.requested_month as usage_month,

        -- usage
        count(*) as requests,
        sum(requests.total_tokens) as total_tokens,

        -- cost in US dollars
        sum(requests.actual_cost_usd) as actual_cost_usd,
        sum(requests.direct_cost_usd) as direct_cost_usd,
        sum(requests.rate_variance_usd) as rate_variance_usd
    from requests
    inner join postings
        on requests.request_id = postings.request_id
    group by postings.posting_month, requests.team, requests.requested_month
)

select * from final
