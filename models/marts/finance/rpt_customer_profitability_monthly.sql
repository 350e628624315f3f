-- One row per month x customer: AI cost to serve the customer next to the revenue the customer
-- brought, for every customer with either. Only customer-serving spend counts here: requests
-- attributed to a customer id (internal tools and R&D carry none). Cost is the month's books
-- (fct_llm_cost_entries): a closed month keeps what it had when it closed.
with

entries as (
    select * from {{ ref('fct_llm_cost_entries') }}
),

revenue as (
    select * from {{ ref('customer_revenue') }}
),

cost as (
    select
        booked_month,
        customer_id,
        sum(requests) as requests,
        sum(list_cost_usd) as ai_cost_usd,
        count(distinct case when entry_type = 'usage' then feature end) as features_used
    from entries
    where customer_id is not null
    group by booked_month, customer_id
),

joined as (
    select
        coalesce(cost.booked_month, revenue.revenue_month) as revenue_month,
        coalesce(cost.customer_id, revenue.customer_id) as customer_id,
        revenue.plan,
        coalesce(cost.requests, 0) as requests,
        coalesce(cost.features_used, 0) as features_used,
        coalesce(cost.ai_cost_usd, 0) as ai_cost_usd,
        coalesce(revenue.revenue_usd, 0) as revenue_usd,
        revenue.customer_id is not null as has_revenue_record
    from cost
    full outer join revenue
        on
            cost.customer_id = revenue.customer_id
            and cost.booked_month = revenue.revenue_month
),

final as (
    select
        revenue_month,
        customer_id,
        plan,
        cast(requests as bigint) as requests,
        cast(features_used as bigint) as features_used,
        cast(ai_cost_usd as {{ ai_finops.money_type() }}) as ai_cost_usd,
        cast(revenue_usd as {{ ai_finops.money_type() }}) as revenue_usd,
        case
            when revenue_usd > 0 then {{ ai_finops.ratio('ai_cost_usd', 'revenue_usd') }}
        end as ai_cost_share_of_revenue,
        cast(revenue_usd - ai_cost_usd as {{ ai_finops.money_type() }}) as margin_after_ai_cost_usd,
        ai_cost_usd > revenue_usd as costs_more_than_revenue,
        has_revenue_record
    from joined
)

select * from final
