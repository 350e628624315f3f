-- One row per reporting month x feature: what the feature cost to serve, per request and per
-- active customer, and how that changed from the previous month.
with

requests as (
    select * from {{ ref('fct_llm_requests') }}
),

monthly as (
    select
        requested_month,
        feature,
        -- a feature has one product, usage type and team in the seed; max() keeps the grain
        max(product) as product,
        max(usage_type) as usage_type,
        max(team) as team,
        count(*) as requests,
        sum(total_tokens) as total_tokens,
        coalesce(sum(list_cost_usd), 0) as cost_usd,
        avg(list_cost_usd) as cost_per_request_mean_usd,
        {{ ai_finops.percentile_cont('list_cost_usd', 0.5) }} as cost_per_request_p50_usd,
        {{ ai_finops.percentile_cont('list_cost_usd', 0.95) }} as cost_per_request_p95_usd,
        count(distinct customer_id) as active_customers
    from requests
    group by requested_month, feature
),

with_previous as (
    select
        *,
        lag(cost_usd) over (partition by feature order by requested_month) as previous_cost_usd,
        lag(requested_month) over (partition by feature order by requested_month) as previous_month
    from monthly
),

final as (
    select
        requested_month,
        feature,
        product,
        usage_type,
        team,
        cast(requests as bigint) as requests,
        cast(total_tokens as bigint) as total_tokens,
        cast(cost_usd as {{ ai_finops.money_type() }}) as cost_usd,
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
                when previous_month = {{ dbt.dateadd('month', -1, 'requested_month') }}
                    then cost_usd - previous_cost_usd
            end as {{ ai_finops.money_type() }}
        ) as cost_change_usd,
        cast(
            case
                when previous_month = {{ dbt.dateadd('month', -1, 'requested_month') }} and previous_cost_usd <> 0
                    then cast(cost_usd - previous_cost_usd as {{ ai_finops.double_type() }}) / previous_cost_usd
            end as {{ ai_finops.double_type() }}
        ) as cost_change_ratio
    from with_previous
)

select * from final
