-- One row per month booked x feature: what the feature cost to serve, per request and per
-- active customer, and how that changed from the previous month. From the books
-- (fct_llm_cost_entries): a closed month keeps what it had when it closed, and a later change
-- to it is adjustment_cost_usd of the first open month. Per-request figures are over the
-- month's own priced requests, never over adjustments.
{%- set own_priced = "entry_type = 'usage' and unpriced_requests = 0" %}
with

entries as (
    select * from {{ ref('fct_llm_cost_entries') }}
),

monthly as (
    select
        booked_month,
        feature,
        -- a feature has one product, usage type and team in the seed; max() keeps the grain
        max(product) as product,
        max(usage_type) as usage_type,
        max(team) as team,
        sum(requests) as requests,
        sum(total_tokens) as total_tokens,
        sum(list_cost_usd) as cost_usd,
        sum(case when entry_type <> 'usage' then list_cost_usd else 0 end) as adjustment_cost_usd,
        avg(case when {{ own_priced }} then list_cost_usd end) as cost_per_request_mean_usd,
        {{ ai_finops.percentile_cont("case when " ~ own_priced ~ " then list_cost_usd end", 0.5) }}
            as cost_per_request_p50_usd,
        {{ ai_finops.percentile_cont("case when " ~ own_priced ~ " then list_cost_usd end", 0.95) }}
            as cost_per_request_p95_usd,
        count(distinct case when entry_type = 'usage' then customer_id end) as active_customers
    from entries
    group by booked_month, feature
),

with_previous as (
    select
        *,
        lag(cost_usd) over (partition by feature order by booked_month) as previous_cost_usd,
        lag(booked_month) over (partition by feature order by booked_month) as previous_month
    from monthly
),

final as (
    select
        booked_month,
        feature,
        product,
        usage_type,
        team,
        cast(requests as bigint) as requests,
        cast(total_tokens as bigint) as total_tokens,
        cast(cost_usd as {{ ai_finops.money_type() }}) as cost_usd,
        cast(adjustment_cost_usd as {{ ai_finops.money_type() }}) as adjustment_cost_usd,
        cast(cost_per_request_mean_usd as {{ ai_finops.double_type() }}) as cost_per_request_mean_usd,
        cast(cost_per_request_p50_usd as {{ ai_finops.double_type() }}) as cost_per_request_p50_usd,
        cast(cost_per_request_p95_usd as {{ ai_finops.double_type() }}) as cost_per_request_p95_usd,
        cast(active_customers as bigint) as active_customers,
        cast(
            case when active_customers > 0 then cost_usd / active_customers end as {{ ai_finops.double_type() }}
        ) as cost_per_active_customer_usd,
        -- month-over-month: only against the calendar month just before, never an older one
        cast(
            case
                when previous_month = {{ dbt.dateadd('month', -1, 'booked_month') }}
                    then cost_usd - previous_cost_usd
            end as {{ ai_finops.money_type() }}
        ) as cost_change_usd,
        cast(
            case
                when previous_month = {{ dbt.dateadd('month', -1, 'booked_month') }} and previous_cost_usd <> 0
                    then cast(cost_usd - previous_cost_usd as {{ ai_finops.double_type() }}) / previous_cost_usd
            end as {{ ai_finops.double_type() }}
        ) as cost_change_ratio
    from with_previous
)

select * from final
